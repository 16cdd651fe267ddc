package org.inceptionspark.worker;

import java.io.Serializable;

/**
 * Where a replica's images for a global step come from. Implementations are shipped to the
 * executors inside the step's tasks, so they must be small and serializable; what they cache
 * (indexes, open files, prefetched shards) lives in static per-JVM state.
 */
public interface BatchSource extends Serializable {
    /** The images of replica {@code replica} (of {@code replicas}) at global step {@code step}. */
    LabeledImages load(long step, int replica, int replicas);

    /** Starts reading the given step's shard in the background; {@link #load} then finds it ready. */
    default void prefetch(long step, int replica, int replicas) {
    }

    /** Images in one epoch (the learning-rate schedule counts epochs in global steps). */
    long imagesPerEpoch();
}

package org.inceptionspark.worker;

import java.io.Serializable;

/**
 * What every replica task of a run needs and that does not change from step to step.
 *
 * @param runKey         executors key their cached networks by it
 * @param replicaMean    send the replica's mean gradient (sum combine) instead of its per-image sum
 * @param slices         how a replica's message is cut for the reduce-scatter
 */
public record ReplicaJob(String runKey, BatchSource data, int replicas, int classes, double labelSmoothing,
                         boolean replicaMean, long seed, SliceRanges slices) implements Serializable {
}

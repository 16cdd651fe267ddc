package org.inceptionspark.worker;

import java.io.Serializable;
import org.inceptionspark.train.Replica;

/**
 * What every replica task of a run needs and that does not change from step to step.
 *
 * @param runKey    executors key their cached networks by it
 * @param objective what each replica's gradient is of
 * @param slices    how a replica's message is cut for the reduce-scatter
 */
public record ReplicaJob(String runKey, BatchSource data, int replicas, Replica.Objective objective, long seed,
                         SliceRanges slices) implements Serializable {
}

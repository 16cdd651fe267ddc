package org.inceptionspark.worker;

import java.io.Serializable;

/**
 * What every replica task of a run needs and that does not change from step to step.
 *
 * @param runKey          executors key their cached networks by it
 * @param replicaMean     send the replica's mean gradient (sum combine) instead of its per-image sum
 * @param replicasPerTask replicas one task trains one after the other and sums before the shuffle:
 *                        a power of two, so the blocks are subtrees of {@link org.inceptionspark.train.PairwiseSum}'s
 *                        order and the step's bits do not depend on it
 * @param slices          how a block's message is cut for the reduce-scatter
 */
public record ReplicaJob(String runKey, BatchSource data, int replicas, int classes, double labelSmoothing,
                         boolean replicaMean, long seed, int replicasPerTask, SliceRanges slices) implements Serializable {
    public ReplicaJob {
        if (replicasPerTask < 1 || Integer.bitCount(replicasPerTask) != 1) {
            throw new IllegalArgumentException("replicas per task must be a power of two, got " + replicasPerTask);
        }
    }

    /** The same job with another block size (its bits are the same: see {@code PairwiseSum}). */
    public ReplicaJob withReplicasPerTask(int perTask) {
        return perTask == replicasPerTask ? this
                : new ReplicaJob(runKey, data, replicas, classes, labelSmoothing, replicaMean, seed, perTask, slices);
    }

    /** Tasks of a step's first stage: blocks of {@code replicasPerTask} consecutive replicas (the last may be short). */
    public int blocks() {
        return (replicas + replicasPerTask - 1) / replicasPerTask;
    }

    public int firstReplica(int block) {
        return block * replicasPerTask;
    }

    public int endReplica(int block) {
        return Math.min(replicas, (block + 1) * replicasPerTask);
    }
}

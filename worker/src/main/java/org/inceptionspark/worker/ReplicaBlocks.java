package org.inceptionspark.worker;

import java.io.Serializable;

/**
 * How one step groups its replicas into the tasks of its first stage: blocks of {@code size}
 * consecutive replicas (the last may be short), each trained by one task and summed there before
 * the shuffle. {@code size} is a power of two, so every block is a subtree of
 * {@link org.inceptionspark.train.PairwiseSum}'s order and the step's bits do not depend on it.
 */
public record ReplicaBlocks(int replicas, int size) implements Serializable {
    public ReplicaBlocks {
        if (size < 1 || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("replicas per task must be a power of two, got " + size);
        }
    }

    /** Tasks of the step's first stage. */
    public int count() {
        return (replicas + size - 1) / size;
    }

    public int firstReplica(int block) {
        return block * size;
    }

    public int endReplica(int block) {
        return Math.min(replicas, (block + 1) * size);
    }
}

package org.inceptionspark.config;

import java.io.Serializable;

/**
 * {@code inception.cluster}: how many replicas make one synchronous step, how their gradients
 * combine, how many replicas one task trains, how many reduce tasks sum them, and how long a
 * step may take.
 *
 * @param stepTimeout        a step whose job runs longer is cancelled and run again; zero = no limit
 * @param stepTimeoutRetries runs of a step after its first has timed out, before the run stops
 * @param exchange           how a step's weights and gradients travel
 * @param stepsPerJob        under the direct exchange, steps one barrier job runs (1 = a job per step)
 * @param precision          under the direct exchange, how its floats travel
 */
public record ClusterConfig(int replicas, int batchPerReplica, Combine combine, int reduceSlices,
                            int replicasPerTask, java.time.Duration stepTimeout, int stepTimeoutRetries, Exchange exchange,
                            int stepsPerJob, Precision precision)
        implements Serializable {

    /** {@code replicas = 0}: the replica count is the number of executors found at start-up. */
    public static final int ONE_PER_EXECUTOR = 0;

    public enum Combine {
        /** Average of the replica gradients: the step equals one on the global batch. */
        MEAN,
        /** Sum, as the 2016 TF SyncReplicasOptimizer did; differs from MEAN under RMSProp's eps = 1.0. */
        SUM
    }

    public enum Exchange {
        /** Spark's torrent broadcast, shuffle and task results: every Spark feature applies (speculation). */
        SPARK,
        /**
         * A barrier stage whose tasks exchange floats over connections of their own (Spark's network
         * library, authenticated and encrypted as Spark is): all of a step's tasks run at once, with
         * no speculative copies, and not under dynamic allocation.
         */
        DIRECT
    }

    /** {@code cluster.exchange-precision}: the width of the floats the direct exchange sends. */
    public enum Precision {
        /** Every bit: the step is bit-identical to one process's. */
        FLOAT32,
        /**
         * The upper 16 bits, rounded to nearest even (bfloat16: float32's range, 8 significant
         * bits): half the bytes on every hop. Replicas compute with rounded weights and the sums
         * are of rounded parts, while the driver keeps and updates float32 state. Runs stay
         * deterministic for a given replica count and task count, but are no longer bit-identical
         * to one process or to float32 runs.
         */
        BFLOAT16;

        /** Bytes one float takes on the wire. */
        public int bytesPerFloat() {
            return this == BFLOAT16 ? 2 : 4;
        }
    }

    /** {@code replicas-per-task = 0}: as many as keep every task slot busy (a power of two). */
    public static final int PER_TASK_FROM_SLOTS = 0;

    public boolean replicasDecidedAtStartup() {
        return replicas == ONE_PER_EXECUTOR;
    }

    /** Images per synchronous step once the replica count is known. */
    public long globalBatch(int actualReplicas) {
        return (long) actualReplicas * batchPerReplica;
    }
}

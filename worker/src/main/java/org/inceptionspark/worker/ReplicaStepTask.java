package org.inceptionspark.worker;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.PairFlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.inceptionspark.train.GradientMessage;
import org.inceptionspark.train.PairwiseSum;
import org.inceptionspark.train.Replica;
import org.inceptionspark.train.Seeds;
import org.inceptionspark.worker.metrics.ExecutorMeters;
import scala.Tuple2;

/**
 * The map side of a synchronous step: each partition is one block of consecutive replicas
 * ({@link ReplicaBlocks}, usually one replica). For each replica it sets its cached network
 * to the step's broadcast weights and trains on the replica's shard; it sums the block's messages
 * in {@link PairwiseSum} order and emits the sum cut into slices keyed by slice index, so the
 * reduce side sums each slice over the blocks (a reduce-scatter) and no single node ever receives
 * N whole gradients. Summing a block before the shuffle divides the shuffled bytes by its size
 * when replicas outnumber task slots, and changes no bit of the result.
 */
public final class ReplicaStepTask implements PairFlatMapFunction<Iterator<Integer>, Integer, GradientSlice> {
    private static final long serialVersionUID = 1L;

    /**
     * Per-task times in nanoseconds, one entry per replica: its forward/backward, and fetching and
     * setting the step's weights. Shown in the Spark UI; the driver reports the slowest of each.
     * {@code devices}: where each replica ran, "replica R executor E gpu A" (A empty without GPUs).
     * {@code gradients}: under the direct exchange, one entry per task, from its block's message
     * to its sums delivered to the driver (the reduce-scatter, waiting for the other tasks included).
     */
    public record Timers(CollectionAccumulator<Long> compute, CollectionAccumulator<Long> weights,
                         CollectionAccumulator<String> devices, CollectionAccumulator<Long> gradients)
            implements java.io.Serializable {
    }

    /**
     * Accumulators shown in the Spark UI; the last two name what the driver reports when it stops a
     * run: the files a step could not decode, and the replicas whose gradient was not finite.
     */
    public record Meters(LongAccumulator images, DoubleAccumulator lossSum, LongAccumulator skippedImages,
                         CollectionAccumulator<String> skippedFiles, CollectionAccumulator<String> nonFiniteReplicas)
            implements java.io.Serializable {
    }

    private final ReplicaJob job;
    private final ReplicaBlocks blocks;
    private final Broadcast<String> graphJson;
    private final StepExchange.Weights weights;
    private final long step;
    private final Meters meters;
    private final Timers timers;

    public ReplicaStepTask(ReplicaJob job, ReplicaBlocks blocks, Broadcast<String> graphJson,
                           StepExchange.Weights weights, long step, Meters meters, Timers timers) {
        this.job = job;
        this.blocks = blocks;
        this.graphJson = graphJson;
        this.weights = weights;
        this.step = step;
        this.meters = meters;
        this.timers = timers;
    }

    @Override
    public Iterator<Tuple2<Integer, GradientSlice>> call(Iterator<Integer> blockIds) {
        TaskThreads.bindToTask();
        // before the pool hands out (or builds) a network: it is kept per device
        GpuBinding.bindToTask();
        List<Tuple2<Integer, GradientSlice>> out = new ArrayList<>();
        while (blockIds.hasNext()) {
            int block = blockIds.next();
            List<float[]> buffers = new ArrayList<>();
            StepExchange.slicesOf(block, blockMessage(block, null, 0, buffers), where(), job.slices(), out);
            // the shuffle writer, whichever Spark chose, has written them once the task completes
            MessageBuffers.giveBackWhenTaskCompletes(buffers);
        }
        return out.iterator();
    }

    /** Where this step's tasks record their times. */
    Timers timers() {
        return timers;
    }

    /** What this step's tasks count. */
    Meters meters() {
        return meters;
    }

    /** The same task for step {@code step}: a multi-step job's next step. */
    ReplicaStepTask at(long step) {
        return new ReplicaStepTask(job, blocks, graphJson, weights, step, meters, timers);
    }

    /**
     * The block's replicas trained in turn and their messages summed in {@link PairwiseSum} order;
     * the arrays it took from {@link MessageBuffers}, the result among them, are added to {@code
     * buffers} for the caller to give back once nothing reads them.
     *
     * @param directWeights the step's weights when the task gathered them itself (direct
     *                      exchange), fetched in {@code fetchNanos}; null = from the broadcast
     */
    float[] blockMessage(int block, float[] directWeights, long fetchNanos, List<float[]> buffers) {
        PairwiseSum sum = new PairwiseSum();
        for (int replica = blocks.firstReplica(block); replica < blocks.endReplica(block); replica++) {
            float[] message = computeMessage(replica, directWeights, fetchNanos);
            buffers.add(message);
            sum.add(message);
        }
        return sum.result();
    }

    ReplicaJob job() {
        return job;
    }

    long step() {
        return step;
    }

    /** The executor and host a task runs on, for messages that name where something happened. */
    static String where() {
        org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "?";
        }
        return "executor " + (env == null ? "?" : env.executorId()) + " on " + host;
    }

    private float[] computeMessage(int replica, float[] directWeights, long fetchNanos) {
        LabeledImages batch = job.data().load(step, replica, job.replicas());
        job.data().prefetch(step + 1, replica, job.replicas());
        Replica model = ReplicaModelPool.borrow(job.runKey(), graphJson.value());
        FaultHooks.atReplica(step, replica);
        long fetchStart = System.nanoTime();
        if (directWeights != null) {
            if (directWeights.length != model.layout().length()) {
                throw new IllegalStateException("step " + step + " gathered " + directWeights.length
                        + " weights for a network of " + model.layout().length());
            }
            model.load(directWeights);
        } else {
            if (weights.step() != step) {
                throw new IllegalStateException("step " + step + " was given the weights of step " + weights.step());
            }
            weights.loadInto(model);
        }
        if (timers != null) {
            timers.weights().add(System.nanoTime() - fetchStart + fetchNanos);
            timers.devices().add("replica " + replica + " executor " + org.apache.spark.SparkEnv.get().executorId()
                    + " gpu " + GpuBinding.boundAddress());
        }
        float[] message = MessageBuffers.take(GradientMessage.length(model.layout().length()));
        // "compute" is the forward/backward alone (as DL4J's worker fit times are): fetching the
        // broadcast weights and setting them are synchronisation overhead, timed outside it
        long t0 = System.nanoTime();
        model.gradient(job.objective(), batch.features(), batch.labels(), Seeds.derive(job.seed(), Seeds.DROPOUT, step, replica),
                message);
        long computeNanos = System.nanoTime() - t0;
        ExecutorMeters.replicaComputed(computeNanos);
        if (timers != null) {
            timers.compute().add(computeNanos);
        }
        int p = Math.toIntExact(model.layout().length());
        message[p + GradientMessage.SKIPPED_IMAGES] = batch.skipped();
        if (meters != null) {
            meters.images().add(batch.size());
            meters.lossSum().add(message[p + GradientMessage.LOSS]);
            meters.skippedImages().add(batch.skipped());
            batch.skippedFiles().forEach(meters.skippedFiles()::add);
            if (message[p + GradientMessage.NON_FINITE] != 0f) {
                meters.nonFiniteReplicas().add("replica " + replica + " (" + where() + ")");
            }
        }
        // only a network whose computation completed goes back: one that threw may hold
        // half-written state and is left to the garbage collector
        ReplicaModelPool.giveBack(job.runKey(), model);
        return message;
    }
}

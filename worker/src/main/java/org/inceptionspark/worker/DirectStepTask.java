package org.inceptionspark.worker;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.BarrierTaskContext;
import org.inceptionspark.train.PairwiseSum;
import scala.collection.JavaConverters;

/**
 * One task of a synchronous step's barrier stage under {@code cluster.exchange = direct}
 * ({@link DirectExchange}): block {@code b} of {@code B} owns the slices {@code s} with
 * {@code s % B == b}. It gathers the step's weights (its own slices from the driver, the others
 * from their owners), trains its block's replicas ({@link ReplicaStepTask#blockMessage}), sends
 * each slice of the block's message to the slice's owner, sums the B parts of its own slices in
 * {@link PairwiseSum} order over the block numbers, exactly as {@link SliceSum} does, and sends
 * the sums to the driver. It returns only which sums it sent.
 */
public final class DirectStepTask extends scala.runtime.AbstractFunction1<scala.collection.Iterator<Integer>,
        scala.collection.Iterator<DirectExchange.Summed>> implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DirectStepTask.class);
    private final ReplicaStepTask replicas;
    private final DirectExchange.Address driver;
    /** The weights cut into the same number of slices as the message, so a task owns both. */
    private final SliceRanges weightRanges;

    public DirectStepTask(ReplicaStepTask replicas, DirectExchange.Address driver, int weightCount) {
        this.replicas = replicas;
        this.driver = driver;
        this.weightRanges = new SliceRanges(weightCount, replicas.job().slices().slices());
    }

    @Override
    public scala.collection.Iterator<DirectExchange.Summed> apply(scala.collection.Iterator<Integer> blockIds) {
        return JavaConverters.asScalaIteratorConverter(run(JavaConverters.asJavaIteratorConverter(blockIds).asJava()))
                .asScala();
    }

    private java.util.Iterator<DirectExchange.Summed> run(java.util.Iterator<Integer> blockIds) {
        TaskThreads.bindToTask();
        GpuBinding.bindToTask();
        BarrierTaskContext ctx = BarrierTaskContext.get();
        int block = ctx.partitionId();
        int blocks = ctx.numPartitions();
        long stage = ctx.stageId();
        int attempt = ctx.stageAttemptNumber();
        long step = replicas.step();
        long start = System.nanoTime();
        DirectExchange.Endpoint endpoint = DirectExchange.executorEndpoint();
        endpoint.pruneBefore(stage);
        int slices = weightRanges.slices();
        long fetchStart = System.nanoTime();
        // the answer comes once the driver has pushed this task the weight slices it owns
        DirectExchange.Address[] peers = endpoint.meet(driver, step, stage, attempt, block, blocks, slices, ctx);
        float[] weights = MessageBuffers.take(weightRanges.length());
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        for (int s = 0; s < slices; s++) {
            int owner = s % blocks;
            float[] part = endpoint.take(new DirectExchange.Key(stage, attempt, DirectExchange.WEIGHT_PART, s,
                    owner == block ? -1 : owner), ctx, "weight slice " + s + (owner == block ? " from the driver at "
                    + driver.text() : " from block " + owner + " at " + peers[owner].text()));
            if (part.length != weightRanges.size(s)) {
                throw new IllegalStateException("weight slice " + s + " has " + part.length + " values, expected "
                        + weightRanges.size(s));
            }
            System.arraycopy(part, 0, weights, weightRanges.from(s), part.length);
            if (owner == block) {
                for (int peer = 0; peer < blocks; peer++) {
                    if (peer != block) {
                        sent.add(endpoint.send(peers[peer], DirectExchange.header(DirectExchange.WEIGHT_PART, stage, attempt, s,
                                block, weightRanges.from(s), part.length), DirectExchange.floats(part, 0, part.length), null));
                    }
                }
            }
            MessageBuffers.giveBack(part);
        }
        DirectExchange.await(sent, ctx, "sending weight slices");
        sent.clear();
        long fetchNanos = System.nanoTime() - fetchStart;

        long computeStart = System.nanoTime();
        float[] message = replicas.blockMessage(block, weights, fetchNanos);
        MessageBuffers.giveBack(weights);
        long computed = System.nanoTime();
        SliceRanges ranges = replicas.job().slices();
        for (int s = 0; s < slices; s++) {
            int owner = s % blocks;
            if (owner != block) {
                sent.add(endpoint.send(peers[owner], DirectExchange.header(DirectExchange.GRADIENT_PART, stage, attempt, s,
                        block, ranges.from(s), ranges.size(s)), DirectExchange.floats(message, ranges.from(s), ranges.size(s)), null));
            }
        }
        long partsSent = System.nanoTime();
        long summedAt = partsSent;
        List<DirectExchange.Summed> out = new ArrayList<>();
        List<CompletableFuture<Void>> sums = new ArrayList<>();
        for (int s = block; s < slices; s += blocks) {
            FaultHooks.atReduce();
            PairwiseSum sum = new PairwiseSum();
            List<float[]> parts = new ArrayList<>();
            for (int b = 0; b < blocks; b++) {
                float[] part = b == block ? Arrays.copyOfRange(message, ranges.from(s), ranges.from(s) + ranges.size(s))
                        : endpoint.take(new DirectExchange.Key(stage, attempt, DirectExchange.GRADIENT_PART, s, b), ctx,
                        "slice " + s + " of block " + b + "'s gradient from " + peers[b].text());
                if (part.length != ranges.size(s)) {
                    throw new IllegalStateException("slice " + s + " of block " + b + " has " + part.length
                            + " values, expected " + ranges.size(s));
                }
                parts.add(part);
                sum.add(part);
            }
            float[] result = sum.result();
            summedAt = System.nanoTime();
            sums.add(endpoint.send(driver, DirectExchange.header(DirectExchange.SUM, stage, attempt, s, -1, 0, result.length),
                    DirectExchange.floats(result, 0, result.length), null));
            parts.forEach(MessageBuffers::giveBack);
            out.add(new DirectExchange.Summed(s, stage, attempt));
        }
        DirectExchange.await(sent, ctx, "sending gradient slices to their owners");
        DirectExchange.await(sums, ctx, "sending summed slices to the driver at " + driver.text());
        if (LOG.isDebugEnabled()) {
            LOG.debug("step {} block {} of {}: meeting {} ms, weights {} ms, replicas {} ms, parts sent {} ms, summed {} ms,"
                            + " sums sent {} ms", step, block, blocks, (fetchStart - start) / 1_000_000, fetchNanos / 1_000_000,
                    (computed - computeStart) / 1_000_000, (partsSent - computed) / 1_000_000, (summedAt - partsSent) / 1_000_000,
                    (System.nanoTime() - summedAt) / 1_000_000);
        }
        return out.iterator();
    }
}

package org.inceptionspark.worker;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.BarrierTaskContext;
import org.inceptionspark.config.ClusterConfig.Precision;
import org.inceptionspark.train.GradientMessage;
import org.inceptionspark.train.PairwiseSum;
import scala.collection.JavaConverters;

/**
 * One task of a synchronous step's barrier stage under {@code cluster.exchange = direct}
 * ({@link DirectExchange}): block {@code b} of {@code B} owns the slices ({@link
 * DirectExchange#pieces}) {@code s} with {@code s % B == b}. It gathers the step's weights (its
 * own slices from the driver, the others from their owners), trains its block's replicas
 * ({@link ReplicaStepTask#blockMessage}), sends
 * each slice of the block's message to the slice's owner, sums the B parts of its own slices in
 * {@link PairwiseSum} order over the block numbers, exactly as {@link SliceSum} does, and sends
 * the sums to the driver. It returns only which sums it sent. Floats travel at the run's {@code
 * cluster.exchange-precision}, except the pieces of the message holding its scalars (images,
 * loss, counts: {@link GradientMessage}), which always travel whole; under bfloat16 the block's own
 * parts are rounded as the others' are, so a slice's sum does not depend on which block owns it.
 */
public final class DirectStepTask extends scala.runtime.AbstractFunction1<scala.collection.Iterator<Integer>,
        scala.collection.Iterator<DirectExchange.Summed>> implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DirectStepTask.class);
    private final ReplicaStepTask replicas;
    private final DirectExchange.Address driver;
    private final int weightCount;
    private final int steps;
    private final Precision precision;

    /**
     * @param steps the most steps this task runs, from {@code replicas}' step on ({@code
     *              cluster.steps-per-job}); after the first it waits for the driver to serve each
     *              next step's weights, and ends early when the driver says so
     * @param precision how the floats travel ({@code cluster.exchange-precision})
     */
    public DirectStepTask(ReplicaStepTask replicas, DirectExchange.Address driver, int weightCount, int steps,
                          Precision precision) {
        this.replicas = replicas;
        this.driver = driver;
        this.weightCount = weightCount;
        this.steps = steps;
        this.precision = precision;
    }

    @Override
    public scala.collection.Iterator<DirectExchange.Summed> apply(scala.collection.Iterator<Integer> blockIds) {
        return JavaConverters.asScalaIteratorConverter(run(JavaConverters.asJavaIteratorConverter(blockIds).asJava()))
                .asScala();
    }

    /**
     * The width piece {@code s} of the message travels at: the scalars at
     * its end count images and non-finite values, which bfloat16 would round above 256.
     */
    private Precision messagePrecision(SliceRanges ranges, int s) {
        return ranges.from(s) + ranges.size(s) > ranges.length() - GradientMessage.EXTRAS ? Precision.FLOAT32 : precision;
    }

    /** This block's own part of a piece of its message, as the others' parts arrive, in an array the sum may overwrite. */
    private static float[] own(float[] message, int from, int length, Precision precision) {
        float[] part = MessageBuffers.take(length);
        if (precision == Precision.FLOAT32) {
            System.arraycopy(message, from, part, 0, length);
        } else {
            DirectExchange.roundToBfloat16(message, from, part, 0, length);
        }
        return part;
    }

    private java.util.Iterator<DirectExchange.Summed> run(java.util.Iterator<Integer> blockIds) {
        TaskThreads.bindToTask();
        GpuBinding.bindToTask();
        BarrierTaskContext ctx = BarrierTaskContext.get();
        int block = ctx.partitionId();
        int blocks = ctx.numPartitions();
        long stage = ctx.stageId();
        int attempt = ctx.stageAttemptNumber();
        long first = replicas.step();
        DirectExchange.Endpoint endpoint = DirectExchange.executorEndpoint();
        endpoint.pruneBefore(stage);
        long start = System.nanoTime();
        DirectExchange.Address[] peers = endpoint.meet(driver, stage, attempt, block, blocks, ctx);
        long meeting = System.nanoTime() - start;
        SliceRanges weightRanges = DirectExchange.pieces(weightCount, blocks);
        SliceRanges ranges = DirectExchange.pieces(replicas.job().slices().length(), blocks);
        List<DirectExchange.Address> others = new ArrayList<>(blocks - 1);
        for (int peer = 0; peer < blocks; peer++) {
            if (peer != block) {
                others.add(peers[peer]);
            }
        }
        List<DirectExchange.Summed> out = new ArrayList<>();
        for (long step = first; step < first + steps; step++) {
            if (step > first && !endpoint.next(driver, stage, attempt, step, block, ctx)) {
                break;
            }
            ReplicaStepTask task = replicas.at(step);
            out.addAll(step(task, endpoint, peers, others, ctx, block, blocks, stage, attempt, weightRanges, ranges,
                    step == first ? meeting : 0));
            if (steps > 1) {
                endpoint.sendStats(driver, stage, attempt, step, block, StepStats.drain(task.meters(), task.timers()), ctx);
            }
        }
        return out.iterator();
    }

    /** @param others the peers but this block, to which it forwards the weights it owns */
    private List<DirectExchange.Summed> step(ReplicaStepTask replicas, DirectExchange.Endpoint endpoint,
                                             DirectExchange.Address[] peers, List<DirectExchange.Address> others,
                                             BarrierTaskContext ctx, int block, int blocks,
                                             long stage, int attempt, SliceRanges weightRanges, SliceRanges ranges,
                                             long meeting) {
        long step = replicas.step();
        int slices = weightRanges.slices();

        long fetchStart = System.nanoTime();
        // every weight is overwritten by a piece: the array is reused from step to step
        float[] weights = MessageBuffers.take(weightRanges.length());
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        // every owned slice asked of the driver at once; each forwarded to the others as it arrives
        List<CompletableFuture<Void>> fetched = new ArrayList<>();
        for (int s = block; s < slices; s += blocks) {
            int from = weightRanges.from(s);
            int size = weightRanges.size(s);
            fetched.add(endpoint.fetchWeights(driver, step, weights, from, size, precision));
        }
        for (int s = block, i = 0; s < slices; s += blocks, i++) {
            DirectExchange.await(List.of(fetched.get(i)), ctx, "fetching weight slice " + s + " of step " + step
                    + " from the driver at " + driver.text());
            sent.addAll(endpoint.sendFloats(others, DirectExchange.WEIGHT_PART, stage, attempt, step, s, block, weights,
                    weightRanges.from(s), weightRanges.size(s), precision));
        }
        for (int s = 0; s < slices; s++) {
            int owner = s % blocks;
            if (owner != block) {
                float[] part = endpoint.take(new DirectExchange.Key(stage, attempt, step, DirectExchange.WEIGHT_PART, s, owner), ctx,
                        "weight slice " + s + " from block " + owner + " at " + peers[owner].text());
                if (part.length != weightRanges.size(s)) {
                    throw new IllegalStateException("weight slice " + s + " from block " + owner + " has " + part.length
                            + " values, expected " + weightRanges.size(s));
                }
                System.arraycopy(part, 0, weights, weightRanges.from(s), part.length);
                MessageBuffers.giveBack(part);
            }
        }
        DirectExchange.await(sent, ctx, "sending weight slices");
        sent.clear();
        long fetchNanos = System.nanoTime() - fetchStart;

        long computeStart = System.nanoTime();
        List<float[]> buffers = new ArrayList<>();
        float[] message = replicas.blockMessage(block, weights, fetchNanos, buffers);
        // the replicas copied the weights into their networks
        MessageBuffers.giveBack(weights);
        long computed = System.nanoTime();
        int pieces = ranges.slices();
        for (int s = 0; s < pieces; s++) {
            int owner = s % blocks;
            if (owner != block) {
                sent.add(endpoint.sendFloats(peers[owner], DirectExchange.GRADIENT_PART, stage, attempt, step, s, block, message,
                        ranges.from(s), ranges.size(s), messagePrecision(ranges, s)));
            }
        }
        long partsSent = System.nanoTime();
        long summedAt = partsSent;
        List<DirectExchange.Summed> out = new ArrayList<>();
        List<CompletableFuture<Void>> sums = new ArrayList<>();
        for (int s = block; s < pieces; s += blocks) {
            FaultHooks.atReduce();
            PairwiseSum sum = new PairwiseSum();
            List<float[]> parts = new ArrayList<>(blocks);
            for (int b = 0; b < blocks; b++) {
                float[] part = b == block ? own(message, ranges.from(s), ranges.size(s), messagePrecision(ranges, s))
                        : endpoint.take(new DirectExchange.Key(stage, attempt, step, DirectExchange.GRADIENT_PART, s, b), ctx,
                        "slice " + s + " of block " + b + "'s gradient from " + peers[b].text());
                if (part.length != ranges.size(s)) {
                    throw new IllegalStateException("slice " + s + " of block " + b + "'s gradient has " + part.length
                            + " values, expected " + ranges.size(s));
                }
                parts.add(part);
                sum.add(part);
            }
            float[] result = sum.result();
            summedAt = System.nanoTime();
            CompletableFuture<Void> delivered = endpoint.sendFloats(driver, DirectExchange.SUM, stage, attempt, step, s, -1,
                    result, 0, result.length, messagePrecision(ranges, s));
            sums.add(delivered);
            // the sum is one of the parts, summed into in place, and read as it goes out
            delivered.thenRun(() -> parts.forEach(MessageBuffers::giveBack));
            out.add(new DirectExchange.Summed(s, stage, attempt));
        }
        DirectExchange.await(sent, ctx, "sending gradient slices to their owners");
        DirectExchange.await(sums, ctx, "sending summed slices to the driver at " + driver.text());
        // the message's parts were read as they went out
        buffers.forEach(MessageBuffers::giveBack);
        replicas.timers().gradients().add(System.nanoTime() - computed);
        if (LOG.isDebugEnabled()) {
            LOG.debug("step {} block {} of {}: meeting {} ms, weights {} ms, replicas {} ms, parts sent {} ms, summed {} ms,"
                            + " sums sent {} ms", step, block, blocks, meeting / 1_000_000, fetchNanos / 1_000_000,
                    (computed - computeStart) / 1_000_000, (partsSent - computed) / 1_000_000, (summedAt - partsSent) / 1_000_000,
                    (System.nanoTime() - summedAt) / 1_000_000);
        }
        return out;
    }
}

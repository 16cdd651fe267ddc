package org.inceptionspark.worker;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.inceptionspark.train.Replica;
import scala.Tuple2;

/**
 * The synchronous step's exchange, the one place that decides how bytes move in a step:
 * <ol>
 *   <li><b>weights out</b> ({@link #publish}, {@link Weights#loadInto}): the driver's weights cut
 *       into slices of at most {@link #WEIGHT_SLICE_FLOATS}, one torrent broadcast each, so executors
 *       fetch pieces from each other and the driver uploads about one copy whatever N is. An
 *       executor fetches the slices concurrently and copies each into the network as it arrives: a
 *       torrent broadcast reads its pieces one after another, two driver round trips each, so one
 *       96 MB broadcast is bound by latency rather than bytes;</li>
 *   <li><b>messages in</b> ({@link #slicesOf}, {@link #reduceScatter}, {@link #gather}): a block of
 *       replicas' summed message cut into the S ranges of {@link SliceRanges}, each range summed
 *       over the blocks in {@link org.inceptionspark.train.PairwiseSum} order by one reduce task
 *       ({@link SliceSum}), and the S sums assembled on the driver, whose inbound bytes are one
 *       message whatever N is. Every slice carries its block's digest, and {@link #disagreement}
 *       refuses sums that mixed two different computations of one block.</li>
 * </ol>
 */
public final class StepExchange {
    /** Floats per weight broadcast: 16 MB, four of Spark's default 4 MB torrent pieces. */
    public static final int WEIGHT_SLICE_FLOATS = 1 << 22;

    private StepExchange() {
    }

    /** The step's weights as broadcast slices: what a task needs to load them into its network. */
    public static final class Weights implements Serializable {
        private static final long serialVersionUID = 1L;
        private final long step;
        private final int length;
        private final List<Broadcast<StepWeights>> slices;

        Weights(long step, int length, List<Broadcast<StepWeights>> slices) {
            this.step = step;
            this.length = length;
            this.slices = slices;
        }

        public long step() {
            return step;
        }

        /** Broadcasts this step's weights were cut into. */
        public int sliceCount() {
            return slices.size();
        }

        /**
         * Sets {@code model}'s parameters to these weights, fetching the slices on
         * {@link #fetchThreads()} threads at once; the first failure (a piece that could not be
         * fetched, a slice of another step) is thrown as it was raised.
         */
        public void loadInto(Replica model) {
            loadInto(model.layout().length(), model::load);
        }

        /** {@link #loadInto(Replica)} for any target of {@code targetLength} values; {@code sink} gets (from, values) per slice, concurrently. */
        public void loadInto(long targetLength, SliceSink sink) {
            if (targetLength != length) {
                throw new IllegalStateException("step " + step + " has " + length + " weights for a network of "
                        + targetLength);
            }
            List<Future<?>> pending = new ArrayList<>(slices.size());
            try {
                for (Broadcast<StepWeights> b : slices) {
                    pending.add(fetchPool().submit(() -> {
                        StepWeights w = b.value();
                        if (w.step() != step) {
                            throw new IllegalStateException("step " + step + " received the weights of step " + w.step());
                        }
                        sink.load(w.from(), w.values());
                        return null;
                    }));
                }
                for (Future<?> f : pending) {
                    f.get();
                }
            } catch (InterruptedException e) {
                pending.forEach(f -> f.cancel(true));
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while fetching the weights of step " + step, e);
            } catch (ExecutionException e) {
                pending.forEach(f -> f.cancel(true));
                throw rethrow(e.getCause());
            }
        }

        /** Frees the slices on the executors and the driver (without waiting). */
        public void destroy() {
            slices.forEach(b -> b.destroy(false));
        }
    }

    /** Receives a slice of weights: positions {@code [from, from + values.length)}; called from several threads. */
    @FunctionalInterface
    public interface SliceSink {
        void load(int from, float[] values);
    }

    /** Concurrent slice fetches per executor JVM. */
    static int fetchThreads() {
        return 8;
    }

    private static volatile ExecutorService pool;

    /** Daemon threads shared by the tasks of a JVM; Spark reads broadcasts outside tasks safely. */
    private static ExecutorService fetchPool() {
        ExecutorService p = pool;
        if (p == null) {
            synchronized (StepExchange.class) {
                if (pool == null) {
                    AtomicInteger n = new AtomicInteger();
                    pool = Executors.newFixedThreadPool(fetchThreads(), r -> {
                        Thread t = new Thread(r, "weight-slices-" + n.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
                }
                p = pool;
            }
        }
        return p;
    }

    /**
     * Broadcasts {@code weights} as the weights of {@code step}, each slice a copy (the driver's
     * state moves on while executors read; local mode hands tasks the very object). The slices
     * are written into the driver's block store concurrently.
     */
    public static Weights publish(JavaSparkContext sc, long step, float[] weights) {
        return publish(sc, step, weights, WEIGHT_SLICE_FLOATS);
    }

    static Weights publish(JavaSparkContext sc, long step, float[] weights, int sliceFloats) {
        int count = Math.max(1, (weights.length + sliceFloats - 1) / sliceFloats);
        List<Future<Broadcast<StepWeights>>> pending = new ArrayList<>(count);
        for (int k = 0; k < count; k++) {
            int from = k * sliceFloats;
            int to = Math.min(weights.length, from + sliceFloats);
            pending.add(fetchPool().submit(() -> sc.broadcast(new StepWeights(step, from,
                    java.util.Arrays.copyOfRange(weights, from, to)))));
        }
        List<Broadcast<StepWeights>> slices = new ArrayList<>(count);
        try {
            for (Future<Broadcast<StepWeights>> f : pending) {
                slices.add(f.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            slices.forEach(b -> b.destroy(false));
            throw new IllegalStateException("interrupted while broadcasting the weights of step " + step, e);
        } catch (ExecutionException e) {
            slices.forEach(b -> b.destroy(false));
            throw rethrow(e.getCause());
        }
        return new Weights(step, weights.length, slices);
    }

    /** Map side: a block's summed message as its S slices, each keyed by its slice number; nothing is copied. */
    public static void slicesOf(int block, float[] message, String origin, SliceRanges ranges,
                                List<Tuple2<Integer, GradientSlice>> out) {
        long[] digest = {GradientSlice.digest(message)};
        String[] origins = {origin};
        for (int s = 0; s < ranges.slices(); s++) {
            out.add(new Tuple2<>(s, new GradientSlice(block, message, ranges.from(s), ranges.size(s), digest, origins)));
        }
    }

    /** Reduce side: each slice summed over the {@code blocks} blocks, one reduce task per slice. */
    public static JavaPairRDD<Integer, GradientSlice> reduceScatter(JavaPairRDD<Integer, GradientSlice> blockSlices,
                                                                    SliceRanges ranges, int blocks) {
        return blockSlices.groupByKey(new HashPartitioner(ranges.slices()))
                .mapValues(contributions -> SliceSum.sumInBlockOrder(contributions, blocks));
    }

    /**
     * Driver side: the summed slices written into {@code into} (one message), each slice's array
     * handed back for reuse; fails naming a slice that is missing or of the wrong size.
     */
    public static void gather(List<Tuple2<Integer, GradientSlice>> parts, SliceRanges ranges, float[] into, long step) {
        boolean[] seen = new boolean[ranges.slices()];
        for (Tuple2<Integer, GradientSlice> part : parts) {
            int s = part._1();
            float[] values = part._2().values();
            if (values.length != ranges.size(s)) {
                throw new IllegalStateException("slice " + s + " has " + values.length + " values, expected " + ranges.size(s));
            }
            System.arraycopy(values, 0, into, ranges.from(s), values.length);
            MessageBuffers.giveBack(values);
            seen[s] = true;
        }
        for (int s = 0; s < seen.length; s++) {
            if (!seen[s]) {
                throw new IllegalStateException("step " + step + ": slice " + s + " of the gradient never arrived");
            }
        }
    }

    /** Hands back the arrays of summed slices that will not be gathered (a run of the step that is discarded). */
    public static void discard(List<Tuple2<Integer, GradientSlice>> parts) {
        parts.forEach(p -> MessageBuffers.giveBack(p._2().values()));
    }

    /**
     * Whether the summed slices were cut from the same message of every block: a block computed
     * twice (its executor lost after some reduce tasks had fetched its output) must have given the
     * same bits, or the sum mixes two different gradients of one replica.
     */
    public static Optional<String> disagreement(List<Tuple2<Integer, GradientSlice>> parts, ReplicaBlocks blocks) {
        List<String> problems = new ArrayList<>();
        for (int b = 0; b < blocks.count(); b++) {
            Map<Long, String> seen = new LinkedHashMap<>();
            for (Tuple2<Integer, GradientSlice> part : parts) {
                GradientSlice s = part._2();
                if (b < s.digests().length) {
                    seen.putIfAbsent(s.digests()[b], s.origins()[b]);
                }
            }
            if (seen.size() > 1) {
                String replicas = blocks.endReplica(b) - blocks.firstReplica(b) == 1 ? "replica " + blocks.firstReplica(b)
                        : "replicas " + blocks.firstReplica(b) + ".." + (blocks.endReplica(b) - 1);
                problems.add(replicas + " gave different gradients to different slices (computed by "
                        + String.join(" and ", seen.values()) + ")");
            }
        }
        return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
    }

    /** Passes on a task's failure unchanged (Spark's fetch failures are checked exceptions). */
    @SuppressWarnings("unchecked")
    private static <T extends Throwable> RuntimeException rethrow(Throwable t) throws T {
        throw (T) t;
    }
}

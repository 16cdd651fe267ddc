package org.inceptionspark.worker;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.inceptionspark.train.Replica;
import scala.Tuple2;

/**
 * The synchronous step's exchange through Spark ({@code cluster.exchange = spark}, the default;
 * {@link DirectExchange} is the other), the one place that decides how its bytes move:
 * <ol>
 *   <li><b>weights out</b> ({@link #publish}, {@link Weights#loadInto}): one torrent broadcast, so
 *       executors fetch its pieces from each other and the driver uploads about one copy whatever N
 *       is (the driver sizes the pieces to the replicas: SparkSettings.broadcastBlockSize);</li>
 *   <li><b>messages in</b> ({@link #slicesOf}, {@link #reduceScatter}, {@link #gather}): a block of
 *       replicas' summed message cut into the S ranges of {@link SliceRanges}, each range summed
 *       over the blocks in {@link org.inceptionspark.train.PairwiseSum} order by one reduce task
 *       ({@link SliceSum}), and the S sums assembled on the driver, whose inbound bytes are one
 *       message whatever N is. Every slice carries its block's digest, and {@link #disagreement}
 *       refuses sums that mixed two different computations of one block.</li>
 * </ol>
 */
public final class StepExchange {
    private StepExchange() {
    }

    /** The step's weights as a broadcast: what a task needs to load them into its network. */
    public static final class Weights implements Serializable {
        private static final long serialVersionUID = 1L;
        private final long step;
        private final Broadcast<StepWeights> broadcast;

        Weights(long step, Broadcast<StepWeights> broadcast) {
            this.step = step;
            this.broadcast = broadcast;
        }

        public long step() {
            return step;
        }

        /** Sets {@code model}'s parameters to these weights (the first replica of an executor fetches them). */
        public void loadInto(Replica model) {
            model.load(values(model.layout().length()));
        }

        /** The weights, checked against the step and the length of the network they go into. */
        public float[] values(long networkLength) {
            StepWeights w = broadcast.value();
            if (w.step() != step || w.values().length != networkLength) {
                throw new IllegalStateException("step " + step + " received the weights of step " + w.step() + " with "
                        + w.values().length + " values for a network of " + networkLength);
            }
            return w.values();
        }

        /** Frees the broadcast on the executors and the driver (without waiting). */
        public void destroy() {
            broadcast.destroy(false);
        }
    }

    /**
     * Broadcasts a copy of {@code weights} as the weights of {@code step}: the driver's state moves
     * on while executors read, and local mode hands tasks the very object.
     */
    public static Weights publish(JavaSparkContext sc, long step, float[] weights) {
        return new Weights(step, sc.broadcast(new StepWeights(step, weights.clone())));
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
        Map<Integer, float[]> summed = new java.util.HashMap<>();
        parts.forEach(p -> summed.put(p._1(), p._2().values()));
        ranges.assemble(summed, into, step);
        summed.values().forEach(MessageBuffers::giveBack);
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
}

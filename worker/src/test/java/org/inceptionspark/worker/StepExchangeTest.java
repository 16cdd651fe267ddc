package org.inceptionspark.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.inceptionspark.train.PairwiseSum;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

/** The step's exchange on Spark (local mode, Kryo with our registrator): weights out, summed messages in. */
class StepExchangeTest {
    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[3]").setAppName("exchange")
                .set("spark.ui.enabled", "false")
                .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .set("spark.kryo.registrator", KryoRegistration.class.getName())
                .set("spark.kryo.registrationRequired", "true"));
    }

    @AfterAll
    static void stop() {
        sc.close();
    }

    private static float[] values(long seed, int n) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    @Test
    void everyTaskLoadsExactlyTheDriversWeightsFromSlices() {
        float[] weights = values(1, 10_501);
        StepExchange.Weights w = StepExchange.publish(sc, 7, weights, 1_000);
        assertEquals(11, w.sliceCount(), "10,501 values in slices of 1,000");
        weights[0] = 42f; // the driver's state moves on; the broadcast must not
        List<float[]> loaded = sc.parallelize(List.of(0, 1, 2), 3).map(i -> {
            float[] into = new float[10_501];
            w.loadInto(into.length, (from, v) -> System.arraycopy(v, 0, into, from, v.length));
            return into;
        }).collect();
        float[] expected = values(1, 10_501);
        loaded.forEach(l -> assertArrayEquals(expected, l));
        w.destroy();
    }

    @Test
    void weightsForAnotherNetworkAreRefused() {
        StepExchange.Weights w = StepExchange.publish(sc, 3, new float[100], 30);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> w.loadInto(99, (from, v) -> { }));
        assertTrue(e.getMessage().contains("100 weights for a network of 99"), e.getMessage());
        w.destroy();
    }

    @Test
    void summedSlicesAreThePairwiseSumOfTheBlocksMessages() {
        int blocks = 5;
        int length = 9_999;
        SliceRanges ranges = new SliceRanges(length, 4);
        ReplicaBlocks replicaBlocks = new ReplicaBlocks(blocks, 1);
        List<Tuple2<Integer, GradientSlice>> parts = StepExchange.reduceScatter(
                sc.parallelize(IntStream.range(0, blocks).boxed().toList(), blocks).mapPartitionsToPair(it -> {
                    List<Tuple2<Integer, GradientSlice>> out = new ArrayList<>();
                    it.forEachRemaining(b -> StepExchange.slicesOf(b, values(100 + b, length), "block " + b, ranges, out));
                    return out.iterator();
                }), ranges, blocks).collect();
        assertEquals(4, parts.size());
        assertTrue(StepExchange.disagreement(parts, replicaBlocks).isEmpty());
        float[] summed = new float[length];
        StepExchange.gather(parts, ranges, summed, 0);
        PairwiseSum expected = new PairwiseSum();
        for (int b = 0; b < blocks; b++) {
            expected.add(values(100 + b, length));
        }
        assertArrayEquals(expected.result(), summed, "bit for bit, in pairwise order over the blocks");
    }

    @Test
    void aMissingSliceIsNamed() {
        SliceRanges ranges = new SliceRanges(10, 2);
        List<Tuple2<Integer, GradientSlice>> onlyFirst = List.of(new Tuple2<>(0,
                GradientSlice.sum(new float[5], new long[] {1}, new String[] {"e"})));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> StepExchange.gather(onlyFirst, ranges, new float[10], 4));
        assertTrue(e.getMessage().contains("slice 1 of the gradient never arrived"), e.getMessage());
    }
}

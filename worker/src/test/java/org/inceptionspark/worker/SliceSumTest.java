package org.inceptionspark.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.inceptionspark.train.PairwiseSum;
import org.junit.jupiter.api.Test;

/** The reduce side of a step: the same bits whatever order the shuffle delivers the blocks in. */
class SliceSumTest {

    private static float[] values(long seed, int n) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            // magnitudes over many binades, so that the summation order shows in the bits
            v[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(7) - 3));
        }
        return v;
    }

    private static List<GradientSlice> contributions(int blocks, int n) {
        List<GradientSlice> out = new ArrayList<>();
        for (int b = 0; b < blocks; b++) {
            float[] v = values(b, n);
            out.add(new GradientSlice(b, v, 0, n, new long[]{GradientSlice.digest(v)}, new String[]{"executor " + b}));
        }
        return out;
    }

    @Test
    void anyArrivalOrderGivesThePairwiseSumInBlockOrder() {
        int blocks = 7;
        int n = 1000;
        PairwiseSum expected = new PairwiseSum();
        for (int b = 0; b < blocks; b++) {
            expected.add(values(b, n));
        }
        float[] reference = expected.result();
        for (long shuffle = 0; shuffle < 5; shuffle++) {
            List<GradientSlice> arrived = contributions(blocks, n);
            Collections.shuffle(arrived, new Random(shuffle));
            GradientSlice sum = SliceSum.sumInBlockOrder(arrived, blocks);
            assertEquals(GradientSlice.SUM, sum.block());
            assertArrayEquals(reference, sum.values(), "arrival order " + shuffle);
            assertEquals(blocks, sum.digests().length, "one digest per block");
            for (int b = 0; b < blocks; b++) {
                assertEquals(GradientSlice.digest(values(b, n)), sum.digests()[b]);
                assertEquals("executor " + b, sum.origins()[b]);
            }
        }
    }

    @Test
    void aMissingOrRepeatedBlockIsAnError() {
        List<GradientSlice> three = contributions(3, 10);
        IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> SliceSum.sumInBlockOrder(three.subList(0, 2), 3));
        assertTrue(missing.getMessage().contains("got [0, 1]"), missing.getMessage());
        List<GradientSlice> repeated = contributions(3, 10);
        repeated.set(2, contributions(3, 10).get(1));
        assertThrows(IllegalStateException.class, () -> SliceSum.sumInBlockOrder(repeated, 3));
    }

    @Test
    void digestSeesEveryBit() {
        float[] v = values(3, 100);
        long d = GradientSlice.digest(v);
        float[] w = v.clone();
        w[57] = Math.nextUp(w[57]);
        assertTrue(d != GradientSlice.digest(w), "one ulp changes the digest");
        float[] z = v.clone();
        z[0] = -0.0f;
        float[] p = v.clone();
        p[0] = 0.0f;
        assertTrue(GradientSlice.digest(z) != GradientSlice.digest(p), "the sign of zero is a bit too");
    }
}

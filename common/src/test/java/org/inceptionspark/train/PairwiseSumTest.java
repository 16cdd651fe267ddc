package org.inceptionspark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PairwiseSumTest {
    private static float[][] vectors(int n, int length, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] v = new float[n][length];
        for (float[] x : v) {
            for (int i = 0; i < length; i++) {
                // magnitudes over many octaves, so different orders round differently
                x[i] = (float) ((r.nextDouble() - 0.5) * Math.pow(2, r.nextInt(-20, 20)));
            }
        }
        return v;
    }

    private static float[] sum(float[][] v, int from, int to) {
        PairwiseSum s = new PairwiseSum();
        for (int i = from; i < to; i++) {
            s.add(v[i].clone());
        }
        return s.result();
    }

    /** The tree written out by hand for seven vectors: ((0+1)+(2+3)) + ((4+5)+6). */
    @Test
    void sevenVectorsFollowTheBalancedTree() {
        float[][] v = vectors(7, 50, 1);
        float[] expected = new float[50];
        for (int i = 0; i < 50; i++) {
            float left = (v[0][i] + v[1][i]) + (v[2][i] + v[3][i]);
            float right = (v[4][i] + v[5][i]) + v[6][i];
            expected[i] = left + right;
        }
        assertArrayEquals(expected, sum(v, 0, 7));
    }

    @Test
    void oneAndTwoVectors() {
        float[][] v = vectors(2, 5, 2);
        assertArrayEquals(v[0], sum(v, 0, 1));
        float[] two = new float[5];
        for (int i = 0; i < 5; i++) {
            two[i] = v[0][i] + v[1][i];
        }
        assertArrayEquals(two, sum(v, 0, 2));
    }

    /** Summing aligned power-of-two blocks first, then the block sums, gives the very same bits. */
    @Test
    void blockSumsOfAnyPowerOfTwoGiveTheSameBits() {
        for (int n : new int[]{3, 5, 8, 11, 16, 50}) {
            float[][] v = vectors(n, 200, n);
            float[] whole = sum(v, 0, n);
            for (int block = 1; block <= 64; block *= 2) {
                PairwiseSum upper = new PairwiseSum();
                for (int b = 0; b * block < n; b++) {
                    upper.add(sum(v, b * block, Math.min(n, (b + 1) * block)));
                }
                assertArrayEquals(whole, upper.result(), n + " vectors in blocks of " + block);
            }
        }
    }

    /** The order matters (else the test above would prove nothing): left to right differs somewhere. */
    @Test
    void differsFromLeftToRightSummation() {
        float[][] v = vectors(5, 1000, 9);
        float[] sequential = v[0].clone();
        for (int k = 1; k < 5; k++) {
            for (int i = 0; i < sequential.length; i++) {
                sequential[i] += v[k][i];
            }
        }
        float[] pairwise = sum(v, 0, 5);
        assertNotEquals(java.util.Arrays.toString(sequential), java.util.Arrays.toString(pairwise));
    }

    @Test
    void rejectsMismatchedLengthsAndEmptySums() {
        PairwiseSum s = new PairwiseSum().add(new float[3]);
        assertThrows(IllegalArgumentException.class, () -> s.add(new float[4]));
        assertEquals(1, s.count());
        assertThrows(IllegalStateException.class, () -> new PairwiseSum().result());
    }
}

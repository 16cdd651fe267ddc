package org.inceptionspark.train;

import org.inceptionspark.image.SplitMix64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class EpochPlanTest {

    @ParameterizedTest(name = "{0} images, {1} replicas x {2}")
    @CsvSource({"1000,1,32", "1000,2,32", "1000,3,32", "1000,7,32", "1000,50,32", "1600,50,32", "1601,50,32",
            "5,8,32", "12345,13,17", "64,2,32"})
    void everyImageExactlyOncePerEpoch(long n, int replicas, int batch) {
        EpochPlan plan = new EpochPlan(42, n, replicas, batch);
        assertEquals((n + (long) replicas * batch - 1) / ((long) replicas * batch), plan.stepsPerEpoch());
        for (long epoch = 0; epoch < 3; epoch++) {
            int[] seen = new int[(int) n];
            for (long s = 0; s < plan.stepsPerEpoch(); s++) {
                int stepTotal = 0;
                for (int r = 0; r < replicas; r++) {
                    long[] shard = plan.shard(epoch, s, r);
                    assertTrue(shard.length <= batch);
                    stepTotal += shard.length;
                    for (long i : shard) {
                        seen[(int) i]++;
                    }
                }
                boolean last = s == plan.stepsPerEpoch() - 1;
                assertEquals(last ? n - s * replicas * batch : (long) replicas * batch, stepTotal);
            }
            for (int i = 0; i < n; i++) {
                assertEquals(1, seen[i], "image " + i + " in epoch " + epoch);
            }
        }
    }

    @Test
    void lastPartialStepIsSpreadEvenlyFirstReplicasTakingTheRemainder() {
        EpochPlan plan = new EpochPlan(1, 100, 3, 32); // 96 + 4: last step 4 images over 3 replicas
        assertEquals(2, plan.stepsPerEpoch());
        assertEquals(2, plan.shard(0, 1, 0).length);
        assertEquals(1, plan.shard(0, 1, 1).length);
        assertEquals(1, plan.shard(0, 1, 2).length);
        EpochPlan tiny = new EpochPlan(1, 2, 4, 32);
        assertEquals(0, tiny.shard(0, 0, 3).length, "replicas beyond the remainder get an empty shard");
    }

    @Test
    void shuffleIsDeterministicPerSeedAndEpochAndDiffersAcrossEpochs() {
        EpochPlan a = new EpochPlan(9, 500, 2, 32);
        EpochPlan b = new EpochPlan(9, 500, 2, 32);
        assertArrayEquals(a.shard(3, 2, 1), b.shard(3, 2, 1));
        assertFalse(Arrays.equals(a.shard(0, 0, 0), a.shard(1, 0, 0)));
        assertFalse(Arrays.equals(a.shard(0, 0, 0), new EpochPlan(10, 500, 2, 32).shard(0, 0, 0)));
        // Replica count does not change the epoch's order, only how it is dealt.
        long[] one = new EpochPlan(9, 500, 1, 64).shard(0, 0, 0);
        long[] two0 = a.shard(0, 0, 0);
        assertArrayEquals(Arrays.copyOf(one, 32), two0);
    }

    @Test
    void rejectsOutOfRangeRequests() {
        EpochPlan plan = new EpochPlan(1, 100, 2, 32);
        assertThrows(IllegalArgumentException.class, () -> plan.shard(0, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> plan.shard(0, 0, 2));
        assertThrows(IllegalArgumentException.class, () -> new EpochPlan(1, 0, 1, 32));
    }
}

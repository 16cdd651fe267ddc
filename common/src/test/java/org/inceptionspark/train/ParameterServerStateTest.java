package org.inceptionspark.train;

import org.inceptionspark.config.OptimizerConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.inceptionspark.optim.GradientClipping;
import org.inceptionspark.optim.LearningRateSchedule;
import org.inceptionspark.optim.MomentumSgd;
import org.inceptionspark.optim.ParameterLayout;
import org.inceptionspark.optim.ParameterRole;
import org.inceptionspark.optim.ParameterSegment;
import org.junit.jupiter.api.Test;

/** The driver's update rule on a 4-entry vector, against the recipe worked out by hand. */
class ParameterServerStateTest {
    // [W, W, bias, BN mean]
    private static final ParameterLayout LAYOUT = new ParameterLayout(List.of(
            new ParameterSegment("conv/W", 0, 2, ParameterRole.WEIGHT),
            new ParameterSegment("conv/b", 2, 1, ParameterRole.TRAINABLE),
            new ParameterSegment("bn/mean", 3, 1, ParameterRole.BATCH_NORM_STATISTIC)), 4);

    private static ParameterServerState state(boolean sum, double wd, OptimizerConfig.ClipMode clip) {
        UpdateRule rule = new UpdateRule(sum, wd, clip, 2.0, true, 0.9999, true, false);
        return new ParameterServerState(LAYOUT, new float[] {1f, 2f, 3f, 10f}, rule,
                new LearningRateSchedule(0.5, 0.94, 1000, true), () -> new MomentumSgd(4, 0.9));
    }

    /**
     * Two replicas of 32 images, messages summed: trainable entries as the replicas send them
     * (per-image sums for mean combine, so the mean gradients given here are scaled by 32; replica
     * means for sum combine), statistics updates, loss sums, images, contributors.
     */
    private static float[] twoReplicas(boolean sum, float[] g1, float[] g2, float loss1, float loss2) {
        float[] m = new float[GradientMessage.length(4)];
        float scale = sum ? 1f : 32f;
        for (int i = 0; i < 4; i++) {
            float s = i < 3 ? scale : 1f;
            m[i] = g1[i] * s + g2[i] * s;
        }
        m[4 + GradientMessage.LOSS] = 32 * loss1 + 32 * loss2;
        m[4 + GradientMessage.IMAGES] = 64;
        m[4 + GradientMessage.CONTRIBUTORS] = 2;
        return m;
    }

    @Test
    void aPlateauCutScalesTheStepsAfterIt() {
        UpdateRule rule = new UpdateRule(false, 0.0, OptimizerConfig.ClipMode.NONE, 2.0, false, 0.9999, true, false);
        ParameterServerState s = new ParameterServerState(LAYOUT, new float[] {1f, 2f, 3f, 10f}, rule,
                LearningRateSchedule.plateau(0.5, new org.inceptionspark.optim.PlateauRule(0.1, 1, 0.0, 3)),
                () -> new MomentumSgd(4, 0.9));
        float[] g = {1f, 1f, 1f, 0f};
        assertEquals(0.5, s.apply(twoReplicas(false, g, g, 1f, 1f)).learningRate());
        s.plateau().observe(s.step(), 0.4);
        assertEquals(0.5, s.apply(twoReplicas(false, g, g, 1f, 1f)).learningRate());
        assertTrue(s.plateau().observe(s.step(), 0.4).cut());
        assertEquals(0.05, s.learningRate(), 1e-12);
        assertEquals(0.05, s.apply(twoReplicas(false, g, g, 1f, 1f)).learningRate(), 1e-12);
    }

    @Test
    void meanCombineWeighsReplicasByTheirImages() {
        ParameterServerState s = state(false, 0.0, OptimizerConfig.ClipMode.NONE);
        // last step of an epoch: replica 0 had 3 images with per-image gradients summing to 3, replica 1 one image of 5
        float[] m = new float[GradientMessage.length(4)];
        m[0] = 3f + 5f;
        m[4 + GradientMessage.LOSS] = 3 * 1f + 1 * 5f;
        m[4 + GradientMessage.IMAGES] = 4;
        m[4 + GradientMessage.CONTRIBUTORS] = 2;
        StepOutcome o = s.apply(m);
        assertEquals(2.0, o.loss(), 1e-6);
        // mean over the 4 images = 2; momentum a = 2; w = 1 - 0.5 * 2
        assertEquals(0.0, s.params()[0], 1e-6);
    }

    @Test
    void meanCombineDecayAndStatistics() {
        ParameterServerState s = state(false, 0.1, OptimizerConfig.ClipMode.NONE);
        StepOutcome o = s.apply(twoReplicas(false, new float[] {0.2f, 0.4f, 1f, 1f}, new float[] {0.4f, 0f, 3f, 3f}, 2f, 4f));
        assertTrue(o.applied());
        assertEquals(3.0, o.loss(), 1e-6);
        // mean gradient [0.3, 0.2, 2] + wd * w on weights only = [0.4, 0.4, 2]; momentum: a = g; w -= 0.5 a
        assertEquals(1 - 0.5 * 0.4, s.params()[0], 1e-6);
        assertEquals(2 - 0.5 * 0.4, s.params()[1], 1e-6);
        assertEquals(3 - 0.5 * 2.0, s.params()[2], 1e-6);
        // statistic: minus the mean update (1 + 3) / 2, never touched by optimizer, decay or clipping
        assertEquals(10 - 2.0, s.params()[3], 1e-6);
        assertEquals(1, s.step());
        // moving average at t=0: decay 0.1 -> shadow = 0.1 * 1 + 0.9 * 0.8
        assertEquals(0.1 + 0.9 * 0.8, s.evaluationParams()[0], 1e-6);
    }

    @Test
    void sumCombineAddsEveryReplicasDecayTerm() {
        ParameterServerState s = state(true, 0.1, OptimizerConfig.ClipMode.NONE);
        s.apply(twoReplicas(true, new float[] {0.2f, 0.4f, 1f, 1f}, new float[] {0.4f, 0f, 3f, 3f}, 2f, 4f));
        // sum [0.6, 0.4, 4] + 2 * 0.1 * w = [0.8, 0.8, 4]
        assertEquals(1 - 0.5 * 0.8, s.params()[0], 1e-6);
        assertEquals(3 - 0.5 * 4.0, s.params()[2], 1e-6);
        assertEquals(10 - 2.0, s.params()[3], 1e-6);
    }

    @Test
    void globalNormClipExcludesStatistics() {
        ParameterServerState s = state(false, 0.0, OptimizerConfig.ClipMode.GLOBAL_NORM);
        // mean trainable gradient [3, 0, 4] (norm 5) and a huge statistic update that must not count
        StepOutcome o = s.apply(twoReplicas(false, new float[] {6f, 0f, 8f, 100f}, new float[] {0f, 0f, 0f, 100f}, 1f, 1f));
        assertEquals(5.0, o.gradientNorm(), 1e-5);
        assertEquals(1 - 0.5 * 1.2, s.params()[0], 1e-6);
        assertEquals(3 - 0.5 * 1.6, s.params()[2], 1e-6);
        assertEquals(10 - 100, s.params()[3], 1e-4);
    }

    @Test
    void nonFiniteGradientSkipsTheStepAndChangesNothing() {
        ParameterServerState s = state(false, 0.1, OptimizerConfig.ClipMode.GLOBAL_NORM);
        StepOutcome o = s.apply(twoReplicas(false, new float[] {Float.NaN, 0f, 0f, 0f}, new float[] {0f, 0f, 0f, 0f}, 1f, 1f));
        assertFalse(o.applied());
        assertEquals("non-finite gradient", o.skipReason());
        assertEquals(1.0, s.params()[0], 0);
        assertEquals(10.0, s.params()[3], 0);
        assertEquals(1, s.skippedSteps());
        assertEquals(1, s.step());
        // a replica that reported a non-finite value is enough, even if the sum happens to be finite
        float[] m = twoReplicas(false, new float[4], new float[4], 1f, 1f);
        m[4 + GradientMessage.NON_FINITE] = 1;
        assertFalse(s.apply(m).applied());
    }

    /**
     * A layout of several chunks per segment: the parallel update gives the same bits on one
     * thread as on four, and its norm is the whole gradient's.
     */
    @Test
    void updateOfManyChunksDoesNotDependOnTheThreads() throws Exception {
        int big = 3 * ParameterServerState.CHUNK + 17;
        ParameterLayout layout = new ParameterLayout(List.of(
                new ParameterSegment("a/W", 0, big, ParameterRole.WEIGHT),
                new ParameterSegment("a/b", big, 100, ParameterRole.TRAINABLE),
                new ParameterSegment("bn/mean", big + 100, 50, ParameterRole.BATCH_NORM_STATISTIC),
                new ParameterSegment("fc/W", big + 150, ParameterServerState.CHUNK, ParameterRole.WEIGHT)),
                big + 150 + ParameterServerState.CHUNK);
        int n = (int) layout.length();
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        float[] init = new float[n];
        float[][] messages = new float[3][GradientMessage.length(n)];
        for (int i = 0; i < n; i++) {
            init[i] = (float) r.nextGaussian();
        }
        for (float[] m : messages) {
            for (int i = 0; i < n; i++) {
                m[i] = (float) (r.nextGaussian() * 64);
            }
            m[n + GradientMessage.IMAGES] = 64;
            m[n + GradientMessage.CONTRIBUTORS] = 2;
        }
        float[][] results = new float[2][];
        double[] norms = new double[2];
        int[] threads = {1, 4};
        for (int t = 0; t < 2; t++) {
            UpdateRule rule = new UpdateRule(false, 4e-5, OptimizerConfig.ClipMode.GLOBAL_NORM, 2.0, true, 0.9999, true, false);
            ParameterServerState s = new ParameterServerState(layout, init, rule, new LearningRateSchedule(0.045, 0.94, 1000, true),
                    () -> new org.inceptionspark.optim.TfRmsProp(n, 0.9, 0.9, 1.0, 1.0));
            java.util.concurrent.ForkJoinPool pool = new java.util.concurrent.ForkJoinPool(threads[t]);
            try {
                for (int k = 0; k < messages.length; k++) {
                    float[] m = messages[k];
                    StepOutcome o = pool.submit(() -> s.apply(m.clone())).get();
                    assertTrue(o.applied());
                    if (k == 0) {
                        norms[t] = o.gradientNorm();
                    }
                }
            } finally {
                pool.shutdown();
            }
            results[t] = s.evaluationParams().clone();
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(results[0], results[1]);
        assertEquals(norms[0], norms[1]);
        double squares = 0;
        for (int i = 0; i < big + 150 + ParameterServerState.CHUNK; i++) {
            boolean statistic = i >= big + 100 && i < big + 150;
            boolean weight = i < big || i >= big + 150;
            float g = messages[0][i] * (1f / 64) + (weight ? (float) 4e-5 * init[i] : 0f);
            squares += statistic ? 0 : (double) g * g;
        }
        assertEquals(Math.sqrt(squares), norms[0], 1e-9 * Math.sqrt(squares), "global norm over weights and biases");
        assertTrue(norms[0] > 2.0, "the test's gradients are clipped");
    }
}

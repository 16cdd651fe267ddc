package org.inceptionspark.optim;

import org.inceptionspark.config.OptimizerConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Each formula against values worked out by hand (in double) for a few steps. */
class OptimizerFormulaTest {

    @Test
    void tfRmsPropMatchesHandComputedSteps() {
        TfRmsProp opt = new TfRmsProp(2, 0.9, 0.9, 1.0, 1.0);
        float[] w = {1.0f, -2.0f};
        double[] ms = {1.0, 1.0};
        double[] mom = {0.0, 0.0};
        double[] ref = {1.0, -2.0};
        double[][] grads = {{0.5, -3.0}, {0.25, 1.0}, {-1.0, 0.0}};
        double lr = 0.045;
        for (double[] g : grads) {
            for (int i = 0; i < 2; i++) {
                ms[i] = 0.9 * ms[i] + 0.1 * g[i] * g[i];
                mom[i] = 0.9 * mom[i] + lr * g[i] / Math.sqrt(ms[i] + 1.0);
                ref[i] -= mom[i];
            }
            opt.apply(w, new float[] {(float) g[0], (float) g[1]}, 0, 2, lr);
        }
        // step 1 by hand for entry 0: ms = 0.9 + 0.025 = 0.925, mom = 0.045*0.5/sqrt(1.925) = 0.016216...
        assertEquals(ref[0], w[0], 1e-6);
        assertEquals(ref[1], w[1], 1e-6);
        assertEquals(ms[1], opt.slots().get("rms")[1], 1e-6);
        assertEquals(mom[0], opt.slots().get("momentum")[0], 1e-7);
    }

    @Test
    void firstRmsPropStepByHand() {
        TfRmsProp opt = new TfRmsProp(1, 0.9, 0.9, 1.0, 1.0);
        float[] w = {1.0f};
        opt.apply(w, new float[] {0.5f}, 0, 1, 0.045);
        // ms = 0.925; mom = 0.0225 / sqrt(1.925) = 0.0162166...; w = 0.9837833...
        assertEquals(0.98378335, w[0], 1e-6);
    }

    @Test
    void momentumSgdMatchesHandComputedSteps() {
        MomentumSgd opt = new MomentumSgd(1, 0.9);
        float[] w = {1.0f};
        opt.apply(w, new float[] {1.0f}, 0, 1, 0.1);   // a = 1,    w = 0.9
        opt.apply(w, new float[] {-0.5f}, 0, 1, 0.1);  // a = 0.4,  w = 0.86
        opt.apply(w, new float[] {0.0f}, 0, 1, 0.1);   // a = 0.36, w = 0.824
        assertEquals(0.824, w[0], 1e-6);
    }

    @Test
    void learningRateDecaysEveryTwoEpochsCountedInGlobalSteps() {
        // The paper: 1,281,167 images, 50 replicas x 32: floor(1281167/32) = 40036 batches,
        // 40036 * 2 / 50 = 1601.44 -> 1601 global steps per decay.
        LearningRateSchedule s = LearningRateSchedule.of(0.045, 0.94, 2.0, true, 1_281_167, 32, 50);
        assertEquals(1601, s.decaySteps());
        assertEquals(0.045, s.at(0), 1e-12);
        assertEquals(0.045, s.at(1600), 1e-12);
        assertEquals(0.045 * 0.94, s.at(1601), 1e-12);
        assertEquals(0.045 * 0.94 * 0.94 * 0.94, s.at(3 * 1601 + 5), 1e-12);
        LearningRateSchedule smooth = new LearningRateSchedule(0.045, 0.94, 100, false);
        assertEquals(0.045 * Math.pow(0.94, 0.5), smooth.at(50), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule(0.1, 0.9, 0, true));
    }

    @Test
    void clippingFactorsFollowTf() {
        // clip_by_global_norm: g * t / max(norm, t)
        assertEquals(0.4, GradientClipping.factor(5.0, 2.0), 1e-12);
        assertEquals(1.0, GradientClipping.factor(0.5, 2.0), 0);
        assertEquals(0.4, GradientClipping.factor(OptimizerConfig.ClipMode.GLOBAL_NORM, 2.0, 1.0, 5.0), 1e-12);
        assertEquals(1.0, GradientClipping.factor(OptimizerConfig.ClipMode.PER_TENSOR, 2.0, 1.0, 5.0), 0);
        assertEquals(0.5, GradientClipping.factor(OptimizerConfig.ClipMode.PER_TENSOR, 2.0, 4.0, 5.0), 1e-12);
        assertEquals(1.0, GradientClipping.factor(OptimizerConfig.ClipMode.NONE, 2.0, 40.0, 50.0), 0);
    }

    @Test
    void movingAverageUsesTfWarmUp() {
        ExponentialMovingAverage ema = new ExponentialMovingAverage(new float[] {0.0f}, 0.9999, true);
        assertEquals(0.1, ema.decayAt(0), 1e-12);
        assertEquals(2.0 / 11.0, ema.decayAt(1), 1e-12);
        assertEquals(0.9999, ema.decayAt(1_000_000), 1e-12);
        ema.update(new float[] {1.0f}, 0, 1, 0);   // 0 - 0.9 * (0 - 1) = 0.9
        assertEquals(0.9, ema.shadow()[0], 1e-6);
        ema.update(new float[] {2.0f}, 0, 1, 1);   // 0.9 - (9/11) (0.9 - 2) = 1.8
        assertEquals(1.8, ema.shadow()[0], 1e-6);
    }

    @Test
    void polyakAverageIsTheUniformMeanOfTheInitialAndEveryUpdatedValue() {
        ExponentialMovingAverage avg = ExponentialMovingAverage.polyak(new float[] {3.0f, -1.0f});
        float[][] iterates = {{1.0f, 1.0f}, {5.0f, 2.0f}, {-3.0f, 6.0f}};
        for (int t = 0; t < iterates.length; t++) {
            avg.update(iterates[t], 0, 2, t);
        }
        assertEquals((3.0 + 1 + 5 - 3) / 4, avg.shadow()[0], 1e-6);
        assertEquals((-1.0 + 1 + 2 + 6) / 4, avg.shadow()[1], 1e-6);
        assertEquals(1000.0 / 1001.0, avg.decayAt(999), 1e-12);
    }

    @Test
    void layoutRejectsGapsAndOverlaps() {
        assertThrows(IllegalArgumentException.class, () -> new ParameterLayout(List.of(
                new ParameterSegment("a", 0, 2, ParameterRole.WEIGHT),
                new ParameterSegment("b", 3, 1, ParameterRole.WEIGHT)), 4));
    }
}

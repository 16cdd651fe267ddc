package org.inceptionspark.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a run shorter than a few time constants of its averages will show. An exponential moving
 * average with decay d forgets its start with time constant 1/(1-d) steps and still holds e^-3 = 5%
 * of it after three: the batch-norm moving statistics start at mean 0 and variance 1, the parameter
 * average at the random initial weights (or, with TF's warm-up, averages over the last ~t/9 steps).
 */
public final class ShortRunWarnings {
    /** Time constants a run should last for an average to have forgotten its start. */
    static final double TIME_CONSTANTS = 3;

    private ShortRunWarnings() {
    }

    /** One line per warning; empty when the run is long enough for both averages. */
    public static List<String> of(InceptionConfig c, long totalSteps) {
        List<String> warnings = new ArrayList<>();
        double bnTau = 1 / (1 - c.model().bnDecay());
        if (c.model().name().equals(ModelConfig.INCEPTION_V3) && totalSteps < TIME_CONSTANTS * bnTau) {
            double left = Math.exp(-totalSteps / bnTau);
            String what = c.eval().recomputeBatchNorm()
                    ? "evaluations, eval and export recompute the statistics (eval.batch-norm-statistics = recompute), "
                    + "so they are right; the checkpoints' own statistics are not, for any other use of them"
                    : "evaluations, eval and export use them (eval.batch-norm-statistics = moving) and will score "
                    + "near chance while the training loss falls; set eval.batch-norm-statistics = recompute";
            warnings.add(String.format(Locale.ROOT, "warning: model.batch-norm.decay = %s has a time constant of %,.0f steps "
                            + "and this run has %,d (under %.0f time constants): at its end the moving batch-norm statistics "
                            + "still hold %.0f%% of their initial values (mean 0, variance 1); %s.",
                    ConfigValueFormat.format(c.model().bnDecay()), bnTau, totalSteps, TIME_CONSTANTS, 100 * left, what));
        }
        MovingAverageConfig ma = c.movingAverage();
        double maTau = 1 / (1 - ma.decay());
        if (ma.enabled() && !ma.polyak() && totalSteps < TIME_CONSTANTS * maTau) {
            if (ma.warmup()) {
                double window = (10.0 + totalSteps) / 9;
                warnings.add(String.format(Locale.ROOT, "warning: moving-average.decay = %s has a time constant of %,.0f steps "
                                + "and this run has %,d: with the warm-up the evaluated weights average over the last ~%,.0f "
                                + "steps at the end, so evaluations lag the trained weights by about that much.",
                        ConfigValueFormat.format(ma.decay()), maTau, totalSteps, window));
            } else {
                warnings.add(String.format(Locale.ROOT, "warning: moving-average.decay = %s has a time constant of %,.0f steps "
                                + "and this run has %,d, without warm-up: at its end the evaluated weights still hold %.0f%% "
                                + "of the random initial weights, and evaluations score near chance.",
                        ConfigValueFormat.format(ma.decay()), maTau, totalSteps, 100 * Math.exp(-totalSteps / maTau)));
            }
        }
        return warnings;
    }
}

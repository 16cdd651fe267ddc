package org.inceptionspark.optim;

import java.util.Locale;

/**
 * The plateau schedule's state, driven by the run's own evaluations: the best top-1 accuracy seen,
 * the evaluations since it last improved, the cuts made, and the step of the last evaluation
 * observed. The state is all a decision depends on, so a run resumed from a checkpoint that stores
 * it makes the same decisions as one that never stopped.
 */
public final class Plateau {

    /**
     * @param best                 best top-1 accuracy so far; NaN before the first evaluation
     * @param sinceImprovement     evaluations since {@code best} last improved by more than min-delta
     * @param cuts                 learning-rate cuts made
     * @param lastEvaluatedStep    step of the last evaluation observed, -1 before the first
     */
    public record State(double best, int sinceImprovement, int cuts, long lastEvaluatedStep) {
        public static final State INITIAL = new State(Double.NaN, 0, 0, -1);
    }

    /** What one evaluation decided. */
    public record Decision(long step, double accuracy, boolean improved, boolean cut, State after, double multiplier) {
        /** The line the driver prints after the evaluation line. */
        public String describe(double baseLearningRate, PlateauRule rule) {
            String what = improved ? "improved" : String.format(Locale.ROOT,
                    "no improvement over %.4f by more than %s for %d evaluation(s)", after.best(), rule.minDelta(),
                    cut ? rule.patience() : after.sinceImprovement());
            String then = cut ? String.format(Locale.ROOT, "learning rate x %s (cut %d of %d), now %.4g", rule.factor(),
                    after.cuts(), rule.maxCuts(), baseLearningRate * multiplier)
                    : String.format(Locale.ROOT, "learning rate stays %.4g (%d of %d cuts made)", baseLearningRate * multiplier,
                    after.cuts(), rule.maxCuts());
            return String.format(Locale.ROOT, "plateau schedule at step %d: top-1 accuracy %.4f %s; %s", step, accuracy,
                    what, then);
        }
    }

    private final PlateauRule rule;
    private State state = State.INITIAL;

    public Plateau(PlateauRule rule) {
        this.rule = rule;
    }

    public PlateauRule rule() {
        return rule;
    }

    public synchronized State state() {
        return state;
    }

    public synchronized void restore(State saved) {
        state = saved;
    }

    /** The factor on the scheduled learning rate: {@code factor^cuts}. */
    public synchronized double multiplier() {
        return Math.pow(rule.factor(), state.cuts());
    }

    /** Takes the evaluation made after {@code step} steps into account; the rate of the steps after it follows. */
    public synchronized Decision observe(long step, double top1Accuracy) {
        if (!Double.isFinite(top1Accuracy)) {
            throw new IllegalArgumentException("evaluation at step " + step + " has no finite accuracy: " + top1Accuracy);
        }
        boolean improved = Double.isNaN(state.best()) || top1Accuracy > state.best() + rule.minDelta();
        boolean cut = false;
        if (improved) {
            state = new State(top1Accuracy, 0, state.cuts(), step);
        } else {
            int since = state.sinceImprovement() + 1;
            int cuts = state.cuts();
            if (since >= rule.patience() && cuts < rule.maxCuts()) {
                cut = true;
                cuts++;
                since = 0;
            }
            state = new State(state.best(), since, cuts, step);
        }
        return new Decision(step, top1Accuracy, improved, cut, state, multiplier());
    }
}

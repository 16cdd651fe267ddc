package org.inceptionspark.optim;

import java.io.Serializable;

/**
 * Exponential decay counted in global (aggregated) steps, as the TF reference computes it:
 * {@code decay_steps = int(floor(images / batch) * epochs_per_decay / replicas)} and
 * {@code lr = lr0 * factor^(step / decay_steps)}, floored when staircase. With a {@link PlateauRule}
 * the rate is {@code lr0} at every step and the cuts come from the run's evaluations
 * ({@link Plateau}, held with the driver's state).
 *
 * @param plateau the plateau rule, or null for the step-driven decay
 */
public record LearningRateSchedule(double initial, double factor, long decaySteps, boolean staircase, PlateauRule plateau)
        implements Serializable {

    public LearningRateSchedule {
        if (decaySteps <= 0) {
            throw new IllegalArgumentException("learning-rate decay steps must be positive, got " + decaySteps
                    + " (too few images per epoch for the global batch?)");
        }
    }

    public LearningRateSchedule(double initial, double factor, long decaySteps, boolean staircase) {
        this(initial, factor, decaySteps, staircase, null);
    }

    public static LearningRateSchedule of(double initial, double factor, double epochsPerDecay, boolean staircase,
                                          long imagesPerEpoch, int batchPerReplica, int replicas) {
        long batchesPerEpoch = imagesPerEpoch / batchPerReplica;
        long decaySteps = (long) (batchesPerEpoch * epochsPerDecay / replicas);
        return new LearningRateSchedule(initial, factor, Math.max(1, decaySteps), staircase);
    }

    /** {@code initial} until the evaluations call for a cut. */
    public static LearningRateSchedule plateau(double initial, PlateauRule rule) {
        return new LearningRateSchedule(initial, rule.factor(), 1, true, rule);
    }

    /** The rate before any plateau cut. */
    public double at(long step) {
        if (plateau != null) {
            return initial;
        }
        double p = (double) step / decaySteps;
        return initial * Math.pow(factor, staircase ? Math.floor(p) : p);
    }
}

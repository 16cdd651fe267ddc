package org.inceptionspark.optim;

import java.io.Serializable;

/**
 * Exponential decay counted in global (aggregated) steps, as the TF reference computes it:
 * {@code decay_steps = int(floor(images / batch) * epochs_per_decay / replicas)} and
 * {@code lr = lr0 * factor^(step / decay_steps)}, floored when staircase.
 */
public record LearningRateSchedule(double initial, double factor, long decaySteps, boolean staircase) implements Serializable {

    public LearningRateSchedule {
        if (decaySteps <= 0) {
            throw new IllegalArgumentException("learning-rate decay steps must be positive, got " + decaySteps
                    + " (too few images per epoch for the global batch?)");
        }
    }

    public static LearningRateSchedule of(double initial, double factor, double epochsPerDecay, boolean staircase,
                                          long imagesPerEpoch, int batchPerReplica, int replicas) {
        long batchesPerEpoch = imagesPerEpoch / batchPerReplica;
        long decaySteps = (long) (batchesPerEpoch * epochsPerDecay / replicas);
        return new LearningRateSchedule(initial, factor, Math.max(1, decaySteps), staircase);
    }

    public double at(long step) {
        double p = (double) step / decaySteps;
        return initial * Math.pow(factor, staircase ? Math.floor(p) : p);
    }
}

package org.inceptionspark.config;

import java.io.Serializable;

/** {@code inception.schedule}: how long to train and how often to report. */
public record ScheduleConfig(double epochs, long maxSteps, int logEverySteps, int maxConsecutiveSkippedSteps) implements Serializable {

    /** Global steps to run: {@code max-steps} when set, else the epochs' worth of global batches. */
    public long totalSteps(long imagesPerEpoch, long globalBatch) {
        if (maxSteps > 0) {
            return maxSteps;
        }
        return Math.max(1L, (long) Math.ceil(epochs * imagesPerEpoch / (double) globalBatch));
    }
}

package org.inceptionspark.train;

/** What one synchronous step did, for progress lines, the Spark UI and the plot. */
public record StepOutcome(long step, boolean applied, String skipReason, double loss, double gradientNorm,
                          double learningRate, long images, int contributors, long skippedImages) {
}

package org.inceptionspark.driver.train;

/**
 * How a run is driven, beyond the training recipe: where it lives, how long it goes, how often it
 * reports, checkpoints and evaluates.
 *
 * @param configText the effective configuration, stored in every checkpoint
 */
public record RunOptions(String runDir, long totalSteps, int logEverySteps, int checkpointEverySteps,
                         int checkpointKeep, int evalEverySteps, String configText) {
}

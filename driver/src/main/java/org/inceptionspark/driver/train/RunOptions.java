package org.inceptionspark.driver.train;

import java.util.Set;

/**
 * How a run is driven, beyond the training recipe: where it lives, how long it goes, how often it
 * reports, checkpoints and evaluates, and when it stops on its own.
 *
 * @param configText                 the effective configuration, stored in every checkpoint and
 *                                   compared with the stored one on resume
 * @param checkpointEveryMinutes     {@code checkpoint.every-minutes}, 0 = by steps only
 * @param maxSkippedFraction         {@code data.max-skipped-fraction}
 * @param maxConsecutiveSkippedSteps {@code schedule.max-consecutive-skipped-steps}, 0 = never stop
 * @param allowedChanges             {@code run.allow-change}: full keys a resume may change
 * @param stepTimeout                {@code cluster.step-timeout}, zero = none
 * @param stepTimeoutRetries         {@code cluster.step-timeout-retries}
 * @param exchange                   {@code cluster.exchange}
 * @param stepsPerJob                {@code cluster.steps-per-job}
 * @param precision                  {@code cluster.exchange-precision}
 */
public record RunOptions(String runDir, long totalSteps, int logEverySteps, int checkpointEverySteps,
                         int checkpointKeep, int evalEverySteps, String configText, double checkpointEveryMinutes,
                         double maxSkippedFraction, int maxConsecutiveSkippedSteps, Set<String> allowedChanges,
                         java.time.Duration stepTimeout, int stepTimeoutRetries,
                         org.inceptionspark.config.ClusterConfig.Exchange exchange, int stepsPerJob,
                         org.inceptionspark.config.ClusterConfig.Precision precision) {
    /** Without a step timeout, through Spark's exchange. */
    public RunOptions(String runDir, long totalSteps, int logEverySteps, int checkpointEverySteps,
                      int checkpointKeep, int evalEverySteps, String configText, double checkpointEveryMinutes,
                      double maxSkippedFraction, int maxConsecutiveSkippedSteps, Set<String> allowedChanges) {
        this(runDir, totalSteps, logEverySteps, checkpointEverySteps, checkpointKeep, evalEverySteps, configText,
                checkpointEveryMinutes, maxSkippedFraction, maxConsecutiveSkippedSteps, allowedChanges,
                java.time.Duration.ZERO, 0, org.inceptionspark.config.ClusterConfig.Exchange.SPARK, 1,
                org.inceptionspark.config.ClusterConfig.Precision.FLOAT32);
    }

    /** Without the safeguards' limits: no stop on skipped images or steps, checkpoints by steps only, no step timeout. */
    public RunOptions(String runDir, long totalSteps, int logEverySteps, int checkpointEverySteps,
                      int checkpointKeep, int evalEverySteps, String configText) {
        this(runDir, totalSteps, logEverySteps, checkpointEverySteps, checkpointKeep, evalEverySteps, configText,
                0, 1.0, 0, Set.of());
    }
}

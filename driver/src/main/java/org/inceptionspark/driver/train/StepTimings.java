package org.inceptionspark.driver.train;

/**
 * Where one step's wall time went: the slowest replica's compute (data + forward/backward) and
 * everything else (broadcast, scheduling, shuffle, driver update), the synchronisation overhead;
 * of the latter, the slowest replica's fetch of the weights, under the direct exchange the slowest
 * task's gradient exchange (0 under Spark's, whose shuffle and reduce are stages of the job), and
 * the driver's own parts: publishing the weights, the Spark job, the update. {@code
 * busiestTaskComputeSeconds}: the most compute one task's replicas did, one after the other, when
 * the tasks reported it with the step (a multi-step direct job); 0 when only the tasks' end events
 * tell it.
 */
public record StepTimings(double wallSeconds, double slowestReplicaSeconds, double slowestWeightFetchSeconds,
                          double slowestGradientExchangeSeconds, double broadcastSeconds, double jobSeconds,
                          double driverUpdateSeconds, double busiestTaskComputeSeconds) {
    public double overheadSeconds() {
        return Math.max(0, wallSeconds - slowestReplicaSeconds);
    }
}

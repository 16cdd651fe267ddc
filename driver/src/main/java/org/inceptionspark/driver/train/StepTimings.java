package org.inceptionspark.driver.train;

/**
 * Where one step's wall time went: the slowest replica's compute (data + forward/backward) and
 * everything else (broadcast, scheduling, shuffle, driver update), the synchronisation overhead.
 */
public record StepTimings(double wallSeconds, double slowestReplicaSeconds, double driverUpdateSeconds) {
    public double overheadSeconds() {
        return Math.max(0, wallSeconds - slowestReplicaSeconds);
    }
}

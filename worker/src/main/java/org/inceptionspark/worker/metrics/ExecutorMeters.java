package org.inceptionspark.worker.metrics;

/**
 * What this executor JVM's replicas did last, read by the metrics plugin's executor side: the
 * forward/backward time of the last replica it trained and the decode rate of the last shard it
 * decoded. Plain volatile fields: the gauges are sampled, and a step writes them once per replica.
 */
public final class ExecutorMeters {
    private static volatile double replicaComputeSeconds;
    private static volatile double decodeImagesPerSecond;

    private ExecutorMeters() {
    }

    public static void replicaComputed(long nanos) {
        replicaComputeSeconds = nanos / 1e9;
    }

    public static void shardDecoded(int images, long nanos) {
        if (nanos > 0) {
            decodeImagesPerSecond = images / (nanos / 1e9);
        }
    }

    public static double replicaComputeSeconds() {
        return replicaComputeSeconds;
    }

    public static double decodeImagesPerSecond() {
        return decodeImagesPerSecond;
    }
}

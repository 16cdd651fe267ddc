package org.inceptionspark.driver.train;

import java.time.Duration;
import org.apache.spark.api.java.JavaSparkContext;

/** Executors register with the driver some time after the context starts; replica counts depend on them. */
public final class ExecutorCount {
    private ExecutorCount() {
    }

    /** Executors registered now (local mode counts as one: the driver JVM runs the tasks). */
    public static int current(JavaSparkContext sc) {
        if (sc.sc().isLocal()) {
            return 1;
        }
        return Math.max(0, sc.sc().getExecutorMemoryStatus().size() - 1);
    }

    /** Waits until at least {@code wanted} executors registered; returns how many did. */
    public static int await(JavaSparkContext sc, int wanted, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int n = current(sc);
        while (n < wanted && System.nanoTime() < deadline) {
            Thread.sleep(200);
            n = current(sc);
        }
        return n;
    }
}

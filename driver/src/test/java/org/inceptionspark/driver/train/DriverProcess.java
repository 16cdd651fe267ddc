package org.inceptionspark.driver.train;

import java.time.Duration;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.inceptionspark.driver.SparkSettings;
import org.inceptionspark.driver.cluster.StandaloneCluster;

/**
 * A training driver in a JVM of its own, for the tests that kill it: the product's TrainingRun
 * with the run directory's lock, on a standalone cluster, training the tiny network of the
 * equivalence tests. Arguments: master URL, run directory, steps.
 */
public final class DriverProcess {
    static final int REPLICAS = 4;
    static final long SEED = 13;
    static final int CHECKPOINT_EVERY = 2;

    private DriverProcess() {
    }

    static TrainingSetup setup() {
        return SyncEquivalenceTest.setup("driver-kill", REPLICAS, SEED, 1);
    }

    public static void main(String[] args) throws Exception {
        String master = args[0];
        String runDir = args[1];
        long steps = Long.parseLong(args[2]);
        java.nio.file.Path security = java.nio.file.Path.of(args[3]);
        // a restart takes over the lock of the driver it replaces (its process is gone)
        try (RunLock lock = RunLock.acquire(runDir, new Configuration(), "(starting)", Duration.ofSeconds(300), true);
             JavaSparkContext sc = new JavaSparkContext(SparkSettings.apply(
                     StandaloneCluster.conf(master, security, "driver-kill", 2, "1g")))) {
            lock.setApplication(sc.sc().applicationId());
            RunOptions options = new RunOptions(runDir, steps, 1, CHECKPOINT_EVERY, 10, 0, "inception { }");
            TrainingRun.Result r = new TrainingRun(sc, setup(), options, null, System.out).lockedBy(lock).run();
            System.out.println("finished at step " + r.steps());
        }
        System.exit(0);
    }
}

package org.inceptionspark.driver.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.inceptionspark.driver.SparkSettings;
import org.inceptionspark.driver.cluster.StandaloneCluster;
import org.inceptionspark.worker.FaultHooks;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * kill -9 of one executor JVM of a real standalone cluster (master and workers their own JVMs)
 * during a step: while its replicas compute, and after the map stage while the slices are
 * reduced (its shuffle output is then lost and Spark recomputes it). The run completes and its
 * parameters are bit-identical to an undisturbed run's.
 */
class ExecutorKillOnClusterIT {
    private static final int REPLICAS = 4;
    private static final int STEPS = 3;
    private static final int KILLED_STEP = 1;
    private static StandaloneCluster cluster;
    private static JavaSparkContext sc;
    private static float[] undisturbed;

    @BeforeAll
    static void start() throws Exception {
        cluster = StandaloneCluster.start(2, 1, "2g");
        sc = new JavaSparkContext(SparkSettings.apply(cluster.conf("executor-kill", 2, "1g")));
        assertEquals(2, ExecutorCount.await(sc, 2, Duration.ofSeconds(120)), "two executors must register");
        try (SyncTrainer t = new SyncTrainer(sc, SyncEquivalenceTest.setup("kill-undisturbed", REPLICAS, 11, 1))) {
            for (int i = 0; i < STEPS; i++) {
                t.step("undisturbed " + i);
            }
            undisturbed = t.state().params().clone();
        }
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Kills one executor JVM with SIGKILL; returns its pid. */
    private static long killOneExecutor() {
        List<ProcessHandle> executors = cluster.executors();
        assertTrue(!executors.isEmpty(), "no executor process found; logs in " + cluster.logs());
        ProcessHandle victim = executors.get(0);
        victim.destroyForcibly();
        return victim.pid();
    }

    private void runKillingAt(String key, String pauseKey, boolean afterMapStage) throws Exception {
        runKillingAt(key, pauseKey, afterMapStage, org.inceptionspark.config.ClusterConfig.Exchange.SPARK);
    }

    private void runKillingAt(String key, String pauseKey, boolean afterMapStage,
                              org.inceptionspark.config.ClusterConfig.Exchange exchange) throws Exception {
        CountDownLatch phaseReached = new CountDownLatch(1);
        CountDownLatch executorRemoved = new CountDownLatch(1);
        AtomicBoolean armed = new AtomicBoolean(false);
        SparkListener listener = new SparkListener() {
            @Override
            public void onTaskStart(SparkListenerTaskStart start) {
                if (armed.get() && !afterMapStage) {
                    phaseReached.countDown();
                }
            }

            @Override
            public void onStageCompleted(SparkListenerStageCompleted done) {
                // the step's first stage to complete is its map stage: the reduce tasks now sum slices
                if (armed.get() && afterMapStage && done.stageInfo().failureReason().isEmpty()) {
                    phaseReached.countDown();
                }
            }

            @Override
            public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
                executorRemoved.countDown();
            }
        };
        sc.sc().addSparkListener(listener);
        ExecutorService driverThread = Executors.newSingleThreadExecutor();
        try (SyncTrainer t = new SyncTrainer(sc, SyncEquivalenceTest.setup(key, REPLICAS, 11, 1))) {
            t.exchange(exchange);
            for (int i = 0; i < STEPS; i++) {
                if (i == KILLED_STEP) {
                    int step = i;
                    Future<?> running = driverThread.submit(() -> {
                        sc.setLocalProperty(pauseKey, "4000");
                        try {
                            assertTrue(t.step("killed " + step).applied());
                        } finally {
                            sc.setLocalProperty(pauseKey, null);
                        }
                    });
                    armed.set(true);
                    assertTrue(phaseReached.await(120, TimeUnit.SECONDS), "the step never reached the phase");
                    Thread.sleep(afterMapStage ? 500 : 1500);
                    long pid = killOneExecutor();
                    running.get(300, TimeUnit.SECONDS);
                    assertTrue(executorRemoved.await(60, TimeUnit.SECONDS), "Spark never noticed executor " + pid + " die");
                } else {
                    assertTrue(t.step(key + " " + i).applied());
                }
            }
            assertArrayEquals(undisturbed, t.state().params(), "bit-identical to the undisturbed run");
        } finally {
            driverThread.shutdownNow();
            sc.sc().removeSparkListener(listener);
        }
        // the cluster replaces the lost executor before the next case
        assertEquals(2, ExecutorCount.await(sc, 2, Duration.ofSeconds(120)));
    }

    @Test
    void executorKilledWhileReplicasComputeChangesNoBit() throws Exception {
        runKillingAt("kill-while-computing", FaultHooks.REPLICA_PAUSE_MS, false);
    }

    /**
     * {@code cluster.exchange = direct}: the step's barrier stage loses a task, Spark stops the
     * other and reruns the whole stage once the cluster has replaced the executor; the rerun's
     * messages are keyed by its attempt, so nothing of the lost run is summed.
     */
    @Test
    void executorKilledDuringADirectStepChangesNoBit() throws Exception {
        runKillingAt("kill-direct", FaultHooks.REPLICA_PAUSE_MS, false, org.inceptionspark.config.ClusterConfig.Exchange.DIRECT);
    }

    /**
     * {@code cluster.steps-per-job = 3}: all three steps would run in one barrier job; an executor
     * is killed while its task computes the second. The job fails, the driver runs that step again
     * in a new job on the executors there are, and the run ends bit-identical.
     */
    @Test
    void executorKilledInAJobOfSeveralStepsChangesNoBit() throws Exception {
        AtomicInteger done = new AtomicInteger();
        CountDownLatch executorRemoved = new CountDownLatch(1);
        SparkListener listener = new SparkListener() {
            @Override
            public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
                executorRemoved.countDown();
            }
        };
        sc.sc().addSparkListener(listener);
        ExecutorService driverThread = Executors.newSingleThreadExecutor();
        try (SyncTrainer t = new SyncTrainer(sc, SyncEquivalenceTest.setup("kill-steps-per-job", REPLICAS, 11, 1))) {
            t.exchange(org.inceptionspark.config.ClusterConfig.Exchange.DIRECT);
            t.stepsPerJob(STEPS);
            Future<?> running = driverThread.submit(() -> {
                sc.setLocalProperty(FaultHooks.REPLICA_PAUSE_MS, "1500");
                try {
                    for (int i = 0; i < STEPS; i++) {
                        assertTrue(t.step("steps per job " + i).applied());
                        done.incrementAndGet();
                    }
                } finally {
                    sc.setLocalProperty(FaultHooks.REPLICA_PAUSE_MS, null);
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (done.get() < KILLED_STEP && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(KILLED_STEP, done.get(), "the steps before the killed one must have run");
            Thread.sleep(1000);
            long pid = killOneExecutor();
            running.get(300, TimeUnit.SECONDS);
            assertTrue(executorRemoved.await(60, TimeUnit.SECONDS), "Spark never noticed executor " + pid + " die");
            assertArrayEquals(undisturbed, t.state().params(), "bit-identical to the undisturbed run");
        } finally {
            driverThread.shutdownNow();
            sc.sc().removeSparkListener(listener);
        }
        assertEquals(2, ExecutorCount.await(sc, 2, Duration.ofSeconds(120)));
    }

    @Test
    void executorKilledWhileSlicesAreReducedChangesNoBit() throws Exception {
        runKillingAt("kill-while-reducing", FaultHooks.REDUCE_PAUSE_MS, true);
    }
}

package org.inceptionspark.driver.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.inceptionspark.driver.SparkSettings;
import org.inceptionspark.driver.cluster.StandaloneCluster;
import org.inceptionspark.worker.FaultHooks;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A straggler on a real standalone cluster whose two workers are separate hosts: one executor
 * JVM is stopped with SIGSTOP while it trains its replicas (a hung machine: alive, registered,
 * silent). With the product's speculation settings Spark runs a copy of its task on the other host;
 * without speculation, {@code cluster.step-timeout} cancels the step and runs it again, and stops
 * the run naming the executor when the retries are used up. The finished runs are bit-identical to
 * one process.
 */
class StragglerOnClusterIT {
    private static final int REPLICAS = 4;
    private static final int STEPS = 3;
    private static final int SLOW_STEP = 1;
    private static final long SEED = 13;
    private static StandaloneCluster cluster;
    private static float[] reference;
    private JavaSparkContext sc;

    @BeforeAll
    static void start() throws Exception {
        cluster = StandaloneCluster.startOnSeparateHosts(2, 1, "2g");
        reference = SyncEquivalenceTest.singleProcess(SyncEquivalenceTest.setup("straggler-reference", REPLICAS, SEED, 1),
                STEPS).params().clone();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @AfterEach
    void stopApplication() {
        for (ProcessHandle p : cluster.executors()) {
            signal(p, "CONT");
        }
        if (sc != null) {
            sc.stop();
            sc = null;
        }
    }

    private JavaSparkContext application(SparkConf conf) throws InterruptedException {
        sc = new JavaSparkContext(conf);
        assertEquals(2, ExecutorCount.await(sc, 2, Duration.ofSeconds(120)), "two executors must register");
        return sc;
    }

    private static void signal(ProcessHandle p, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(p.pid())).inheritIO().start();
            assertEquals(0, kill.waitFor(), "kill -" + signal + " " + p.pid());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs {@code step} on another thread and, one second after a replica task started on worker
     * 0, stops that worker's executor JVM; returns the step's future and the stopped process.
     */
    private Future<?> stepWithStoppedExecutor(ExecutorService driverThread, SyncTrainer t, String name,
                                              List<ProcessHandle> stopped) throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean armed = new AtomicBoolean(true);
        SparkListener listener = new SparkListener() {
            @Override
            public void onTaskStart(SparkListenerTaskStart start) {
                if (armed.get() && start.taskInfo().host().equals(cluster.workerHost(0))) {
                    started.countDown();
                }
            }
        };
        sc.sc().addSparkListener(listener);
        Future<?> running = driverThread.submit(() -> {
            sc.setLocalProperty(FaultHooks.REPLICA_PAUSE_MS, "1500");
            try {
                t.step(name);
            } finally {
                sc.setLocalProperty(FaultHooks.REPLICA_PAUSE_MS, null);
            }
            return null;
        });
        try {
            assertTrue(started.await(120, TimeUnit.SECONDS), "no replica task started on " + cluster.workerHost(0));
            armed.set(false);
            stopWorkerZerosExecutorInASecond(stopped);
        } finally {
            sc.sc().removeSparkListener(listener);
        }
        return running;
    }

    /** One second from now, stops (SIGSTOP) worker 0's executor JVM and adds it to {@code stopped}. */
    private static void stopWorkerZerosExecutorInASecond(List<ProcessHandle> stopped) throws InterruptedException {
        Thread.sleep(1000);
        List<ProcessHandle> executors = cluster.executorsOf(0);
        assertEquals(1, executors.size(), "worker 0's executor; logs in " + cluster.logs());
        signal(executors.get(0), "STOP");
        stopped.add(executors.get(0));
    }

    @Test
    void aSpeculativeCopyReplacesAStoppedReplicaAndChangesNoBit() throws Exception {
        application(SparkSettings.apply(cluster.conf("straggler-speculation", 2, "1g")));
        assertEquals("true", sc.getConf().get("spark.speculation"), "speculation is the product's default");
        AtomicInteger copies = new AtomicInteger();
        sc.sc().addSparkListener(new SparkListener() {
            @Override
            public void onTaskStart(SparkListenerTaskStart start) {
                if (start.taskInfo().speculative()) {
                    copies.incrementAndGet();
                }
            }
        });
        ExecutorService driverThread = Executors.newSingleThreadExecutor();
        List<ProcessHandle> stopped = new java.util.ArrayList<>();
        try (SyncTrainer t = new SyncTrainer(sc, SyncEquivalenceTest.setup("straggler-speculation", REPLICAS, SEED, 1))) {
            // no step timeout: only speculation can finish the slowed step
            t.stepTimeout(Duration.ZERO, 0);
            for (int i = 0; i < STEPS; i++) {
                if (i == SLOW_STEP) {
                    stepWithStoppedExecutor(driverThread, t, "slowed " + i, stopped).get(240, TimeUnit.SECONDS);
                    stopped.forEach(p -> signal(p, "CONT"));
                } else {
                    assertTrue(t.step("speculation " + i).applied());
                }
            }
            assertArrayEquals(reference, t.state().params(), "bit-identical to one process");
            assertTrue(copies.get() >= 1, "Spark ran no speculative copy");
            System.out.println("speculative copies: " + copies.get() + "; parameters bit-identical to one process");
            assertEquals((long) STEPS * REPLICAS * 8, t.meters().images().value(),
                    "images counted once per replica, whichever copy of its task finished");
        } finally {
            driverThread.shutdownNow();
        }
    }

    @Test
    void aHungStepIsCancelledAndRunAgainThenTheRunStopsNamingTheExecutor() throws Exception {
        application(SparkSettings.apply(cluster.conf("straggler-timeout", 2, "1g").set("spark.speculation", "false")));
        ExecutorService driverThread = Executors.newSingleThreadExecutor();
        List<ProcessHandle> stopped = new java.util.ArrayList<>();
        try (SyncTrainer t = new SyncTrainer(sc, SyncEquivalenceTest.setup("straggler-timeout", REPLICAS, SEED, 1))) {
            for (int i = 0; i < STEPS; i++) {
                // the first step builds the executors' networks: seconds more than the others on a busy machine
                t.stepTimeout(i == 0 ? Duration.ZERO : Duration.ofSeconds(20), 1);
                if (i == SLOW_STEP) {
                    // the first run hangs on the stopped executor; the second runs its replicas on the other
                    stepWithStoppedExecutor(driverThread, t, "hung " + i, stopped).get(240, TimeUnit.SECONDS);
                    stopped.forEach(p -> signal(p, "CONT"));
                } else {
                    assertTrue(t.step("timeout " + i).applied());
                }
            }
            assertArrayEquals(reference, t.state().params(), "bit-identical to one process");

            long before = t.state().step();
            t.stepTimeout(Duration.ofSeconds(10), 0);
            Future<?> hung = stepWithStoppedExecutor(driverThread, t, "hung for good", stopped);
            assertTheRunStopped(hung, t, before);
        } finally {
            driverThread.shutdownNow();
        }
    }

    /**
     * The hung step failed with a {@link SynchronousStep.StepTimeoutException} naming the timeout,
     * the stopped executor's host and its replicas, and was not applied; returns its message.
     */
    private static String assertTheRunStopped(Future<?> hung, SyncTrainer t, long before) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> hung.get(240, TimeUnit.SECONDS));
        String message = String.valueOf(e.getCause().getMessage());
        System.out.println("the step stopped the run: " + message);
        assertTrue(e.getCause() instanceof SynchronousStep.StepTimeoutException, message);
        assertTrue(message.contains("inception.cluster.step-timeout = 10s"), message);
        assertTrue(message.contains("(" + cluster.workerHost(0) + ")"), "names the stopped executor's host: " + message);
        assertTrue(message.contains("replica"), "names the replicas it was training: " + message);
        assertEquals(before, t.state().step(), "a step that timed out is not applied");
        return message;
    }

    /**
     * {@code cluster.steps-per-job = 3}: an executor stopped (SIGSTOP) in the second step of a
     * job of several steps; the step times out, its job is cancelled, and the run stops naming the
     * executor and its replicas, the step not applied.
     */
    @Test
    void aHungStepInAJobOfSeveralStepsStopsTheRunNamingTheExecutor() throws Exception {
        application(SparkSettings.apply(cluster.conf("straggler-steps-per-job", 2, "1g").set("spark.speculation", "false")));
        ExecutorService driverThread = Executors.newSingleThreadExecutor();
        List<ProcessHandle> stopped = new java.util.ArrayList<>();
        try (SyncTrainer t = new SyncTrainer(sc, SyncEquivalenceTest.setup("straggler-steps-per-job", REPLICAS, SEED, 1))) {
            t.exchange(org.inceptionspark.config.ClusterConfig.Exchange.DIRECT);
            t.stepsPerJob(3);
            // the job's tasks keep the local properties of its first step: every step of it pauses
            sc.setLocalProperty(FaultHooks.REPLICA_PAUSE_MS, "1500");
            long before;
            Future<?> hung;
            try {
                assertTrue(t.step("steps per job 0").applied());
                before = t.state().step();
                t.stepTimeout(Duration.ofSeconds(10), 0);
                hung = driverThread.submit(() -> t.step("hung in a job of several steps"));
                stopWorkerZerosExecutorInASecond(stopped);
            } finally {
                sc.setLocalProperty(FaultHooks.REPLICA_PAUSE_MS, null);
            }
            String message = assertTheRunStopped(hung, t, before);
            assertTrue(!message.contains("slice"), "the direct exchange's tasks train replicas, they sum no slice: " + message);
        } finally {
            driverThread.shutdownNow();
        }
    }
}

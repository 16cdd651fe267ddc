package org.inceptionspark.driver.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.inceptionspark.driver.SparkSettings;
import org.inceptionspark.driver.cluster.StandaloneCluster;
import org.inceptionspark.runtime.NativeRuntime;
import org.inceptionspark.runtime.OneDnnLayers;
import org.inceptionspark.train.StepOutcome;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The same properties on a real standalone cluster: a master and two workers, each its own JVM on loopback. */
class SyncEquivalenceOnClusterIT {
    private static StandaloneCluster cluster;
    private static JavaSparkContext sc;

    @BeforeAll
    static void start() throws Exception {
        cluster = StandaloneCluster.start(2, 1, "2g");
        // the product's settings (Kryo with the bulk payload serializers and every shipped class
        // registered, the serialized shuffle writer)
        sc = new JavaSparkContext(SparkSettings.apply(cluster.conf("equivalence-on-cluster", 2, "1g")));
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

    @Test
    void fourReplicasOnTwoExecutorsEqualOneProcessAndRepeat() throws InterruptedException {
        int steps = 3;
        TrainingSetup s = SyncEquivalenceTest.setup("cluster-4", 4, 5);
        assertEquals(2, ExecutorCount.await(sc, 2, java.time.Duration.ofSeconds(120)), "two executors must register");
        // what each executor process started with (SparkSettings: the allocator is chosen at start),
        // the allocator it runs on and whether its convolutions and pooling run on oneDNN directly:
        // what this JVM, started the same way on the same machine, has
        String expected = "glibc.malloc.hugetlb=1 " + NativeRuntime.mallocImplementation() + " onednn-layers="
                + OneDnnLayers.enabled();
        assertEquals(List.of(expected, expected), sc.parallelize(List.of(0, 1), 2)
                .map(i -> System.getenv("GLIBC_TUNABLES") + " " + NativeRuntime.mallocImplementation()
                        + " onednn-layers=" + OneDnnLayers.enabled()).collect());
        // the executors run closed (StandaloneCluster.SECURITY, deploy/spark-defaults.conf): authenticated
        // and encrypted connections, encrypted shuffle files, Kryo refusing unregistered classes
        String closed = "auth=true crypto=true io-key=true registration-required=true";
        assertEquals(List.of(closed, closed), sc.parallelize(List.of(0, 1), 2).map(i -> {
            SparkEnv env = SparkEnv.get();
            return "auth=" + env.securityManager().isAuthenticationEnabled()
                    + " crypto=" + env.conf().getBoolean("spark.network.crypto.enabled", false)
                    + " io-key=" + env.securityManager().getIOEncryptionKey().isDefined()
                    + " registration-required=" + env.conf().getBoolean("spark.kryo.registrationRequired", false);
        }).collect());
        float[] first;
        try (SyncTrainer trainer = new SyncTrainer(sc, s)) {
            assertEquals(2, trainer.replicasPerTask(), "4 replicas on 2 task slots: two to a task, summed before the shuffle");
            for (int i = 0; i < steps; i++) {
                StepOutcome o = trainer.step("step " + i);
                assertTrue(o.applied(), "step " + i + " applied");
            }
            first = trainer.state().params().clone();
        }
        assertArrayEquals(SyncEquivalenceTest.singleProcess(s, steps).params(), first,
                "cluster and single process must agree bit for bit");
        try (SyncTrainer again = new SyncTrainer(sc, SyncEquivalenceTest.setup("cluster-4-again", 4, 5))) {
            for (int i = 0; i < steps; i++) {
                again.step("again " + i);
            }
            assertArrayEquals(first, again.state().params(), "a second run must be bit-identical");
        }
        try (SyncTrainer onePerTask = new SyncTrainer(sc, SyncEquivalenceTest.setup("cluster-4-one-per-task", 4, 5, 1))) {
            for (int i = 0; i < steps; i++) {
                onePerTask.step("one per task " + i);
            }
            assertArrayEquals(first, onePerTask.state().params(), "one replica per task must give the same bits");
        }
        // the executors' own connections, authenticated and encrypted like Spark's (DirectExchange)
        try (SyncTrainer direct = new SyncTrainer(sc, SyncEquivalenceTest.setup("cluster-4-direct", 4, 5))) {
            direct.exchange(org.inceptionspark.config.ClusterConfig.Exchange.DIRECT);
            for (int i = 0; i < steps; i++) {
                assertTrue(direct.step("direct " + i).applied());
            }
            assertArrayEquals(first, direct.state().params(), "the direct exchange must give the same bits");
        }
        // several steps in one barrier job, its tasks on the executors' JVMs between steps
        try (SyncTrainer jobs = new SyncTrainer(sc, SyncEquivalenceTest.setup("cluster-4-steps-per-job", 4, 5))) {
            jobs.exchange(org.inceptionspark.config.ClusterConfig.Exchange.DIRECT);
            jobs.stepsPerJob(steps);
            for (int i = 0; i < steps; i++) {
                assertTrue(jobs.step("steps per job " + i).applied());
            }
            assertArrayEquals(first, jobs.state().params(), "several steps per job must give the same bits");
        }
        // bfloat16 on the wire, encrypted between separate JVMs: exactly the rounded step, not float32's bits
        try (SyncTrainer narrow = new SyncTrainer(sc, SyncEquivalenceTest.setup("cluster-4-bfloat16", 4, 5))) {
            narrow.exchange(org.inceptionspark.config.ClusterConfig.Exchange.DIRECT);
            narrow.exchangePrecision(org.inceptionspark.config.ClusterConfig.Precision.BFLOAT16);
            narrow.stepsPerJob(steps);
            for (int i = 0; i < steps; i++) {
                assertTrue(narrow.step("bfloat16 " + i).applied());
            }
            assertArrayEquals(SyncEquivalenceTest.bfloat16Reference(SyncEquivalenceTest.setup("cluster-4-bfloat16-ref", 4, 5),
                    steps, 2).params(), narrow.state().params(), "the bfloat16 exchange must be the rounded step exactly");
            assertTrue(!java.util.Arrays.equals(first, narrow.state().params()), "bfloat16 must change the bits");
        }
    }
}

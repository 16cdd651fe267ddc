package org.inceptionspark.driver.train;

import org.inceptionspark.config.OptimizerConfig;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.inceptionspark.driver.SparkSettings;
import org.inceptionspark.model.ModelZoo;
import org.inceptionspark.optim.GradientClipping;
import org.inceptionspark.optim.LearningRateSchedule;
import org.inceptionspark.optim.ParameterLayout;
import org.inceptionspark.optim.TfRmsProp;
import org.inceptionspark.train.GradientMessage;
import org.inceptionspark.train.PairwiseSum;
import org.inceptionspark.train.ParameterServerState;
import org.inceptionspark.train.Replica;
import org.inceptionspark.train.Seeds;
import org.inceptionspark.train.StepOutcome;
import org.inceptionspark.train.UpdateRule;
import org.inceptionspark.worker.LabeledImages;
import org.inceptionspark.worker.TaskThreads;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** The VGG paper's property on Spark local mode: N replicas on Spark == one process doing the same work. */
class SyncEquivalenceTest {
    static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        // the product's settings: Kryo with every shipped class registered (registrationRequired)
        sc = new JavaSparkContext(SparkSettings.apply(new SparkConf().setMaster("local[2]").setAppName("equivalence")
                .set("spark.ui.enabled", "false")));
        assertEquals("true", sc.getConf().get("spark.kryo.registrationRequired"));
    }

    @AfterAll
    static void stop() {
        sc.stop();
    }

    static TrainingSetup setup(String runKey, int replicas, long seed) {
        return setup(runKey, replicas, seed, 0);
    }

    static TrainingSetup setup(String runKey, int replicas, long seed, int replicasPerTask) {
        UpdateRule rule = new UpdateRule(false, 4e-5, OptimizerConfig.ClipMode.GLOBAL_NORM, 2.0, true, 0.9999, true, false);
        return new TrainingSetup(runKey, TinyNetwork.graph(seed), new TinyNetwork.NoiseBatches(seed, 8), replicas, 8,
                TinyNetwork.CLASSES, 0.1, seed, rule, new LearningRateSchedule(0.045, 0.94, 10, true),
                p -> new TfRmsProp(p, 0.9, 0.9, 1.0, 1.0), 100, 0, replicasPerTask);
    }

    /**
     * The same step computed without Spark: each replica's message in turn, summed pairwise over
     * replica numbers, on as many threads as a task of these tests' one CPU computes with
     * ({@link TaskThreads}): oneDNN's sums over threads depend on their number.
     */
    static ParameterServerState singleProcess(TrainingSetup s, int steps) {
        int threads = TaskThreads.current();
        TaskThreads.bind(1);
        try {
            return singleProcessOnThisThread(s, steps);
        } finally {
            TaskThreads.bind(threads);
        }
    }

    private static ParameterServerState singleProcessOnThisThread(TrainingSetup s, int steps) {
        // built as the replicas build theirs (ReplicaModelPool), batch-norm backward included
        Replica replica = Replica.build(s.graph());
        ComputationGraph graph = replica.graph();
        ParameterLayout layout = replica.layout();
        ParameterServerState state = new ParameterServerState(layout, graph.params().toFloatVector(), s.rule(), s.schedule(),
                s.optimizerFor(layout.length()));
        int len = GradientMessage.length(layout.length());
        for (int step = 0; step < steps; step++) {
            PairwiseSum sum = new PairwiseSum();
            for (int r = 0; r < s.replicas(); r++) {
                graph.setParams(Nd4j.createFromArray(state.params()).reshape(1, layout.length()));
                LabeledImages b = s.data().load(step, r, s.replicas());
                float[] m = new float[len];
                replica.gradient(new Replica.Objective(s.classes(), s.labelSmoothing(), s.rule().sumReplicas()), b.features(),
                        b.labels(), Seeds.derive(s.seed(), Seeds.DROPOUT, step, r), m);
                sum.add(m);
            }
            assertTrue(state.apply(sum.result()).applied());
        }
        return state;
    }

    @Test
    void fourReplicasOnSparkEqualOneProcessBitForBit() {
        int steps = 3;
        TrainingSetup s = setup("equivalence-4", 4, 7);
        float[] spark;
        try (SyncTrainer trainer = new SyncTrainer(sc, s)) {
            for (int i = 0; i < steps; i++) {
                StepOutcome o = trainer.step("step " + i);
                assertTrue(o.applied());
                assertEquals(32, o.images());
            }
            spark = trainer.state().params().clone();
            ComputationGraph initial = ModelZoo.dl4jNetwork(s.graph(), null);
            assertTrue(!java.util.Arrays.equals(initial.params().toFloatVector(), spark), "training must move the weights");
            assertArrayEquals(singleProcess(s, steps).evaluationParams(),
                    trainer.state().evaluationParams());
        }
        float[] reference = singleProcess(s, steps).params();
        assertArrayEquals(reference, spark, "Spark and the single process must agree bit for bit");
    }

    /**
     * {@code cluster.exchange = direct}: five replicas in two barrier tasks (four and one, the
     * fewest per task that fit local[2]'s two slots) exchanging over their own connections give
     * the single process's bits, and a rerun of the same steps gives them again.
     */
    @Test
    void directExchangeEqualsOneProcessBitForBit() {
        int steps = 2;
        float[] first = null;
        for (String run : new String[]{"direct-5", "direct-5-again"}) {
            try (SyncTrainer t = new SyncTrainer(sc, setup(run, 5, 17))) {
                t.exchange(org.inceptionspark.config.ClusterConfig.Exchange.DIRECT);
                assertEquals(4, t.replicasPerTask(), "2 per task would make 3 tasks for 2 slots");
                for (int i = 0; i < steps; i++) {
                    StepOutcome o = t.step(run + " step " + i);
                    assertTrue(o.applied());
                    assertEquals(40, o.images());
                    // every task's reduce-scatter and sums to the driver, timed for the Spark UI and bench sync
                    StepTimings timings = t.lastTimings();
                    assertTrue(timings.slowestGradientExchangeSeconds() > 0
                            && timings.slowestGradientExchangeSeconds() < timings.jobSeconds(), timings.toString());
                }
                if (first == null) {
                    first = t.state().params().clone();
                } else {
                    assertArrayEquals(first, t.state().params(), "a second run must be bit-identical");
                }
            }
        }
        assertArrayEquals(singleProcess(setup("direct-ref", 5, 17), steps).params(), first,
                "the direct exchange and the single process must agree bit for bit");
    }

    /**
     * {@code cluster.steps-per-job = 3}: five steps in barrier jobs of up to three steps give the
     * single process's bits. Another Spark job between two steps ends the running job (it needs
     * the slots), so the steps run as 2 + 3: two jobs, each step's measurements reported by the
     * tasks themselves.
     */
    @Test
    void severalStepsPerJobChangeNoBit() throws Exception {
        int steps = 5;
        java.util.List<Integer> jobs = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        org.apache.spark.scheduler.SparkListener count = new org.apache.spark.scheduler.SparkListener() {
            @Override
            public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart start) {
                if (SynchronousStep.SESSION_GROUP.equals(start.properties().getProperty("spark.jobGroup.id"))) {
                    jobs.add(start.jobId());
                }
            }
        };
        sc.sc().addSparkListener(count);
        float[] params;
        try (SyncTrainer t = new SyncTrainer(sc, setup("steps-per-job", 5, 19))) {
            t.exchange(org.inceptionspark.config.ClusterConfig.Exchange.DIRECT);
            t.stepsPerJob(3);
            for (int i = 0; i < steps; i++) {
                StepOutcome o = t.step("steps per job, step " + i);
                assertTrue(o.applied());
                assertEquals(40, o.images());
                StepTimings timings = t.lastTimings();
                assertTrue(timings.busiestTaskComputeSeconds() >= timings.slowestReplicaSeconds()
                        && timings.slowestReplicaSeconds() > 0 && timings.slowestGradientExchangeSeconds() > 0, timings.toString());
                assertEquals(5, t.lastReplicaDevices().size(), "each replica's device, reported with the step");
                if (i == 1) {
                    assertEquals(2L, sc.parallelize(java.util.List.of(1, 2), 2).count(), "another job between two steps");
                }
            }
            params = t.state().params().clone();
            assertTrue(t.meters().images().value() >= steps * 40L, "images counted from the tasks' reports");
        } finally {
            sc.sc().listenerBus().waitUntilEmpty();
            sc.sc().removeSparkListener(count);
        }
        assertEquals(2, jobs.size(), "steps 1-2 in one job, ended by the other job; steps 3-5 in another: " + jobs);
        assertArrayEquals(singleProcess(setup("steps-per-job-ref", 5, 19), steps).params(), params,
                "several steps per job and the single process must agree bit for bit");
    }

    /**
     * Five replicas (a partial block at the end) trained one, two or four to a task: the tasks sum
     * their replicas before the shuffle, and the parameters still agree bit for bit.
     */
    @Test
    void replicasPerTaskChangesNoBit() {
        assertEquals(2, TaskSlots.of(sc), "local[2] runs two tasks at once");
        assertEquals(2, TaskSlots.replicasPerTask(sc, 5));
        float[] reference = null;
        for (int perTask : new int[]{1, 2, 4}) {
            try (SyncTrainer t = new SyncTrainer(sc, setup("per-task-" + perTask, 5, 13, perTask))) {
                assertEquals(perTask, t.replicasPerTask());
                for (int i = 0; i < 2; i++) {
                    assertEquals(40, t.step("per task " + perTask + " step " + i).images());
                    assertEquals(0, t.lastTimings().slowestGradientExchangeSeconds(), "Spark's exchange has no such phase");
                }
                if (reference == null) {
                    reference = t.state().params().clone();
                } else {
                    assertArrayEquals(reference, t.state().params(), perTask + " replicas per task");
                }
            }
        }
        assertArrayEquals(singleProcess(setup("per-task-ref", 5, 13), 2).params(), reference);
    }

    @Test
    void twoRunsWithTheSameSeedAreBitIdentical() {
        float[] first;
        float[] second;
        try (SyncTrainer a = new SyncTrainer(sc, setup("determinism-a", 3, 11))) {
            for (int i = 0; i < 4; i++) {
                a.step("a " + i);
            }
            first = a.state().params().clone();
        }
        try (SyncTrainer b = new SyncTrainer(sc, setup("determinism-b", 3, 11))) {
            for (int i = 0; i < 4; i++) {
                b.step("b " + i);
            }
            second = b.state().params().clone();
        }
        assertArrayEquals(first, second);
    }
}

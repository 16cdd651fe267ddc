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
import org.inceptionspark.worker.DirectExchange;
import org.inceptionspark.worker.LabeledImages;
import org.inceptionspark.worker.SliceRanges;
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
        ParameterServerState state = initialState(s, replica);
        for (int step = 0; step < steps; step++) {
            assertTrue(state.apply(summedMessages(s, replica, state.params(), step, 0, s.replicas())).applied());
        }
        return state;
    }

    private static ParameterServerState initialState(TrainingSetup s, Replica replica) {
        ParameterLayout layout = replica.layout();
        return new ParameterServerState(layout, replica.graph().params().toFloatVector(), s.rule(), s.schedule(),
                s.optimizerFor(layout.length()));
    }

    /** Replicas {@code from..to}'s messages of {@code step} at {@code weights}, summed pairwise over replica numbers. */
    private static float[] summedMessages(TrainingSetup s, Replica replica, float[] weights, int step, int from, int to) {
        ComputationGraph graph = replica.graph();
        int len = GradientMessage.length(replica.layout().length());
        PairwiseSum sum = new PairwiseSum();
        for (int r = from; r < to; r++) {
            graph.setParams(Nd4j.createFromArray(weights).reshape(1, replica.layout().length()));
            LabeledImages b = s.data().load(step, r, s.replicas());
            float[] m = new float[len];
            replica.gradient(new Replica.Objective(s.classes(), s.labelSmoothing(), s.rule().sumReplicas()), b.features(),
                    b.labels(), Seeds.derive(s.seed(), Seeds.DROPOUT, step, r), m);
            sum.add(m);
        }
        return sum.result();
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
        float[] first = twoIdenticalDirectRuns("direct-5", 17, steps, t -> { }, t -> {
            // every task's reduce-scatter and sums to the driver, timed for the Spark UI and bench sync
            StepTimings timings = t.lastTimings();
            assertTrue(timings.slowestGradientExchangeSeconds() > 0
                    && timings.slowestGradientExchangeSeconds() < timings.jobSeconds(), timings.toString());
        });
        assertArrayEquals(singleProcess(setup("direct-ref", 5, 17), steps).params(), first,
                "the direct exchange and the single process must agree bit for bit");
    }

    /**
     * {@code cluster.exchange-precision = bfloat16}: the step is exactly the one process's step
     * with the rounding the exchange does written out (replicas train on rounded weights; each
     * task's block message, but for the piece holding its image and loss counts, is rounded before
     * the sum over tasks and the sum rounded again), a rerun gives the same bits, and the driver
     * keeps float32 weights that differ from a float32 run's.
     */
    @Test
    void bfloat16ExchangeIsTheOneProcessStepWithItsRoundingExactly() {
        int steps = 2;
        // 40 images a step (asserted there): the image count travels whole
        float[] first = twoIdenticalDirectRuns("bf16-5", 23, steps, t -> {
            t.exchangePrecision(org.inceptionspark.config.ClusterConfig.Precision.BFLOAT16);
            t.stepsPerJob(2);
        }, t -> { });
        assertArrayEquals(bfloat16Reference(setup("bf16-ref", 5, 23), steps, 4).params(), first,
                "the bfloat16 exchange must be the one process's step with the exchange's rounding");
        float[] float32 = singleProcess(setup("bf16-f32-ref", 5, 23), steps).params();
        assertTrue(!java.util.Arrays.equals(float32, first), "bfloat16 must change the bits");
        int rounded = 0;
        for (float v : first) {
            rounded += Float.floatToRawIntBits(v) == Float.floatToRawIntBits(DirectExchange.widen(DirectExchange.bfloat16(v)))
                    ? 0 : 1;
        }
        assertTrue(rounded > first.length / 2, "the driver's weights stay float32: " + rounded + " of " + first.length
                + " are not bfloat16 values");
    }

    /**
     * Two runs of {@code steps} direct steps of five replicas in two barrier tasks, set up by
     * {@code configure} and checked after each step by {@code afterStep}; they must agree bit for
     * bit. The first run's parameters.
     */
    private static float[] twoIdenticalDirectRuns(String run, long seed, int steps,
                                                  java.util.function.Consumer<SyncTrainer> configure,
                                                  java.util.function.Consumer<SyncTrainer> afterStep) {
        float[] first = null;
        for (String name : new String[]{run, run + "-again"}) {
            try (SyncTrainer t = new SyncTrainer(sc, setup(name, 5, seed))) {
                t.exchange(org.inceptionspark.config.ClusterConfig.Exchange.DIRECT);
                configure.accept(t);
                assertEquals(4, t.replicasPerTask(), "2 per task would make 3 tasks for 2 slots");
                for (int i = 0; i < steps; i++) {
                    StepOutcome o = t.step(name + " step " + i);
                    assertTrue(o.applied());
                    assertEquals(40, o.images());
                    afterStep.accept(t);
                }
                if (first == null) {
                    first = t.state().params().clone();
                } else {
                    assertArrayEquals(first, t.state().params(), "a second run must be bit-identical");
                }
            }
        }
        return first;
    }

    /** {@link #singleProcess} with the bfloat16 exchange's rounding, for tasks of {@code perTask} replicas. */
    static ParameterServerState bfloat16Reference(TrainingSetup s, int steps, int perTask) {
        int threads = TaskThreads.current();
        TaskThreads.bind(1);
        try {
            Replica replica = Replica.build(s.graph());
            ParameterServerState state = initialState(s, replica);
            int len = GradientMessage.length(replica.layout().length());
            int blocks = (s.replicas() + perTask - 1) / perTask;
            SliceRanges pieces = DirectExchange.pieces(len, blocks);
            for (int step = 0; step < steps; step++) {
                float[] weights = state.params().clone();
                DirectExchange.roundToBfloat16(weights, 0, weights, 0, weights.length);
                float[][] blockMessages = new float[blocks][];
                for (int b = 0; b < blocks; b++) {
                    blockMessages[b] = summedMessages(s, replica, weights, step, b * perTask,
                            Math.min(s.replicas(), (b + 1) * perTask));
                }
                float[] summed = new float[len];
                for (int p = 0; p < pieces.slices(); p++) {
                    boolean whole = pieces.from(p) + pieces.size(p) > len - GradientMessage.EXTRAS;
                    PairwiseSum sum = new PairwiseSum();
                    for (float[] m : blockMessages) {
                        float[] part = java.util.Arrays.copyOfRange(m, pieces.from(p), pieces.from(p) + pieces.size(p));
                        if (!whole) {
                            DirectExchange.roundToBfloat16(part, 0, part, 0, part.length);
                        }
                        sum.add(part);
                    }
                    float[] result = sum.result();
                    if (!whole) {
                        DirectExchange.roundToBfloat16(result, 0, result, 0, result.length);
                    }
                    System.arraycopy(result, 0, summed, pieces.from(p), result.length);
                }
                assertTrue(state.apply(summed).applied());
            }
            return state;
        } finally {
            TaskThreads.bind(threads);
        }
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

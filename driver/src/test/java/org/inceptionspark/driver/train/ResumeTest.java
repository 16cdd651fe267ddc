package org.inceptionspark.driver.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.SparkConf;
import org.inceptionspark.driver.SparkSettings;
import org.apache.spark.api.java.JavaSparkContext;
import org.inceptionspark.driver.checkpoint.Checkpoint;
import org.inceptionspark.driver.checkpoint.CheckpointStore;
import org.inceptionspark.optim.LearningRateSchedule;
import org.inceptionspark.optim.PlateauRule;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run stopped mid-way and resumed from its checkpoint ends exactly where an uninterrupted run ends. */
class ResumeTest {
    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = new JavaSparkContext(SparkSettings.apply(new SparkConf().setMaster("local[2]").setAppName("resume")
                .set("spark.ui.enabled", "false")));
    }

    @AfterAll
    static void stop() {
        sc.stop();
    }

    private static TrainingRun.Result run(String key, Path dir, long steps, PrintStream out) throws Exception {
        RunOptions options = new RunOptions(dir.toUri().toString(), steps, 1, 2, 2, 0, "inception { }");
        return new TrainingRun(sc, SyncEquivalenceTest.setup(key, 2, 3), options, null, out).run();
    }

    @Test
    void resumedRunEqualsUninterruptedRun(@TempDir Path tmp) throws Exception {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        Path straight = tmp.resolve("straight");
        Path interrupted = tmp.resolve("interrupted");
        run("resume-straight", straight, 6, quiet);
        run("resume-first-half", interrupted, 3, quiet);   // stops after step 3: its last checkpoint is step 3
        // A crash during a later checkpoint write leaves a temporary folder that must be ignored.
        Files.createDirectories(interrupted.resolve("checkpoints").resolve("_writing-step-000000004"));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        TrainingRun.Result r = run("resume-second-half", interrupted, 6, new PrintStream(log, true, StandardCharsets.UTF_8));
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("resumed from"), log.toString(StandardCharsets.UTF_8));
        assertEquals(6, r.steps());

        Checkpoint a = CheckpointStore.read(straight.toUri().toString(), sc.hadoopConfiguration());
        Checkpoint b = CheckpointStore.read(interrupted.toUri().toString(), sc.hadoopConfiguration());
        assertEquals(6, a.step());
        assertEquals(6, b.step());
        assertArrayEquals(a.params(), b.params(), "parameters");
        assertArrayEquals(a.average(), b.average(), "moving average");
        assertEquals(a.slots().keySet(), b.slots().keySet());
        for (String slot : a.slots().keySet()) {
            assertArrayEquals(a.slots().get(slot), b.slots().get(slot), "optimizer slot " + slot);
        }
        // keep = 2: only the two newest checkpoints stay; metrics hold each step exactly once
        List<org.apache.hadoop.fs.Path> kept = new CheckpointStore(straight.toUri().toString(), sc.hadoopConfiguration(), 2).list();
        assertEquals(List.of("step-000000004", "step-000000006"), kept.stream().map(org.apache.hadoop.fs.Path::getName).toList());
        List<String> metricLines = Files.readAllLines(interrupted.resolve("metrics.csv"));
        assertEquals(7, metricLines.size(), String.join("\n", metricLines));
        assertTrue(Files.size(interrupted.resolve("training.png")) > 1000);
    }

    /**
     * Top-1 error of the weights on 32 fixed images of the tiny network's task, computed in the driver's
     * JVM with DL4J's own inference: the plateau schedule needs real evaluations, not Spark ones.
     */
    private static final Validator LOCAL_VALIDATOR = (graph, weights) -> {
        org.deeplearning4j.nn.graph.ComputationGraph net = org.inceptionspark.model.ModelZoo.instantiate(graph);
        net.setParams(org.nd4j.linalg.factory.Nd4j.create(weights));
        TinyNetwork.NoiseBatches images = new TinyNetwork.NoiseBatches(77, 16);
        long wrong = 0;
        for (int b = 0; b < 2; b++) {
            org.inceptionspark.worker.LabeledImages batch = images.load(b, 0, 1);
            float[] p = net.output(false, batch.features())[0].reshape(-1).toFloatVector();
            for (int i = 0; i < batch.labels().length; i++) {
                int best = 0;
                for (int k = 1; k < TinyNetwork.CLASSES; k++) {
                    best = p[i * TinyNetwork.CLASSES + k] > p[i * TinyNetwork.CLASSES + best] ? k : best;
                }
                wrong += best == batch.labels()[i] ? 0 : 1;
            }
        }
        return new Validator.Result(wrong / 32.0, Double.NaN, 32);
    };

    private static TrainingRun.Result plateauRun(String key, Path dir, long steps, PrintStream out) throws Exception {
        TrainingSetup s = SyncEquivalenceTest.setup(key, 2, 3);
        TrainingSetup plateau = new TrainingSetup(s.runKey(), s.graph(), s.data(), s.replicas(), s.batchPerReplica(),
                s.classes(), s.labelSmoothing(), s.seed(), s.rule(),
                LearningRateSchedule.plateau(0.045, new PlateauRule(0.1, 1, 0.05, 2)), s.optimizer(), s.totalSteps(),
                s.reduceSlices(), s.replicasPerTask());
        RunOptions options = new RunOptions(dir.toUri().toString(), steps, 1, 2, 2, 2, "inception { }");
        return new TrainingRun(sc, plateau, options, LOCAL_VALIDATOR, out).run();
    }

    private static List<String> plateauLines(ByteArrayOutputStream log) {
        return log.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("plateau schedule")).toList();
    }

    @Test
    void aResumedPlateauScheduleMakesTheUninterruptedRunsDecisions(@TempDir Path tmp) throws Exception {
        Path straight = tmp.resolve("straight");
        Path interrupted = tmp.resolve("interrupted");
        ByteArrayOutputStream straightLog = new ByteArrayOutputStream();
        plateauRun("plateau-straight", straight, 10, new PrintStream(straightLog, true, StandardCharsets.UTF_8));
        ByteArrayOutputStream firstLog = new ByteArrayOutputStream();
        plateauRun("plateau-first", interrupted, 4, new PrintStream(firstLog, true, StandardCharsets.UTF_8));
        Checkpoint half = CheckpointStore.read(interrupted.toUri().toString(), sc.hadoopConfiguration());
        assertEquals(4, half.step());
        assertEquals(4, half.plateau().lastEvaluatedStep(), "the checkpoint holds the decision of its step's evaluation");
        ByteArrayOutputStream secondLog = new ByteArrayOutputStream();
        plateauRun("plateau-second", interrupted, 10, new PrintStream(secondLog, true, StandardCharsets.UTF_8));

        List<String> decisions = plateauLines(straightLog);
        assertEquals(5, decisions.size(), straightLog.toString(StandardCharsets.UTF_8));
        List<String> resumed = new java.util.ArrayList<>(plateauLines(firstLog));
        resumed.addAll(plateauLines(secondLog));
        assertEquals(decisions, resumed);
        Checkpoint a = CheckpointStore.read(straight.toUri().toString(), sc.hadoopConfiguration());
        Checkpoint b = CheckpointStore.read(interrupted.toUri().toString(), sc.hadoopConfiguration());
        assertEquals(a.plateau(), b.plateau());
        assertTrue(a.plateau().cuts() >= 1, String.join("\n", decisions));
        assertArrayEquals(a.params(), b.params(), "parameters");
        // the cut reaches the steps: metrics.csv's learning rates (3rd column) are the same and fall
        List<String> rates = Files.readAllLines(straight.resolve("metrics.csv")).stream().skip(1)
                .map(l -> l.split(",")[2]).toList();
        assertEquals(rates, Files.readAllLines(interrupted.resolve("metrics.csv")).stream().skip(1)
                .map(l -> l.split(",")[2]).toList());
        assertTrue(Double.parseDouble(rates.get(rates.size() - 1)) < 0.045 * 0.5, rates.toString());
    }

    @Test
    void aCheckpointWrittenBetweenAStepAndItsEvaluationIsEvaluatedOnResume(@TempDir Path tmp) throws Exception {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        ByteArrayOutputStream straightLog = new ByteArrayOutputStream();
        plateauRun("gap-straight", tmp.resolve("straight"), 10, new PrintStream(straightLog, true, StandardCharsets.UTF_8));
        Path first = tmp.resolve("first");
        plateauRun("gap-first", first, 4, quiet);
        org.apache.hadoop.conf.Configuration hadoop = sc.hadoopConfiguration();
        List<org.apache.hadoop.fs.Path> written = new CheckpointStore(first.toUri().toString(), hadoop, 2).list();
        Checkpoint at2 = CheckpointStore.read(written.get(0).toString(), hadoop);
        Checkpoint at4 = CheckpointStore.read(written.get(1).toString(), hadoop);
        assertEquals(2, at2.step());
        // what a SIGTERM checkpoint right after step 4, before its evaluation, holds: the decisions up to step 2
        Checkpoint gap = new Checkpoint(at4.step(), at4.skippedSteps(), at4.seed(), at4.replicas(), at4.graphJson(),
                at4.configText(), at4.params(), at4.slots(), at4.average(), at2.plateau());
        Path resumed = tmp.resolve("resumed");
        new CheckpointStore(resumed.toUri().toString(), hadoop, 2).save(gap);
        ByteArrayOutputStream resumedLog = new ByteArrayOutputStream();
        plateauRun("gap-resumed", resumed, 10, new PrintStream(resumedLog, true, StandardCharsets.UTF_8));

        List<String> straight = plateauLines(straightLog);
        assertEquals(straight.subList(1, straight.size()), plateauLines(resumedLog), resumedLog.toString(StandardCharsets.UTF_8));
        Checkpoint a = CheckpointStore.read(tmp.resolve("straight").toUri().toString(), hadoop);
        Checkpoint b = CheckpointStore.read(resumed.toUri().toString(), hadoop);
        assertEquals(a.plateau(), b.plateau());
        assertArrayEquals(a.params(), b.params(), "parameters");
    }

    @Test
    void resumingWithAnotherReplicaCountFailsClearly(@TempDir Path tmp) throws Exception {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        run("resume-replicas", tmp, 2, quiet);
        RunOptions options = new RunOptions(tmp.toUri().toString(), 4, 1, 2, 2, 0, "inception { }");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new TrainingRun(sc, SyncEquivalenceTest.setup("resume-replicas-3", 3, 3), options, null, quiet).run());
        assertTrue(e.getMessage().contains("inception.cluster.replicas=2"), e.getMessage());
    }
}

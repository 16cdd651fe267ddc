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

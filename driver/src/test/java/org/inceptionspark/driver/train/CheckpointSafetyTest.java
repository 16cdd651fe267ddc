package org.inceptionspark.driver.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.inceptionspark.driver.SparkSettings;
import org.inceptionspark.driver.checkpoint.Checkpoint;
import org.inceptionspark.driver.checkpoint.CheckpointStore;
import org.inceptionspark.worker.FaultHooks;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints that lose little and are trusted only when whole: a damaged newest checkpoint is
 * named and the one before used; a failed step's job leaves a checkpoint of the steps before it;
 * checkpoint.every-minutes; a resume that changes the mathematics is refused unless allowed.
 * Spark local mode without task retries, so an injected task failure fails the step's job.
 */
class CheckpointSafetyTest {
    private static JavaSparkContext sc;
    private static final String CONF = "inception { cluster { batch-per-replica = 8 } }";

    @BeforeAll
    static void start() {
        sc = new JavaSparkContext(SparkSettings.apply(new SparkConf().setMaster("local[2]").setAppName("checkpoint-safety")
                .set("spark.ui.enabled", "false")));
    }

    @AfterAll
    static void stop() {
        sc.stop();
    }

    private static PrintStream into(ByteArrayOutputStream log) {
        return new PrintStream(log, true, StandardCharsets.UTF_8);
    }

    private static TrainingRun.Result run(String key, Path dir, long steps, int every, double minutes, String conf,
                                          Set<String> allowed, ByteArrayOutputStream log) throws Exception {
        RunOptions options = new RunOptions(dir.toUri().toString(), steps, 1, every, 10, 0, conf, minutes, 1.0, 0, allowed);
        return new TrainingRun(sc, SyncEquivalenceTest.setup(key, 2, 7), options, null, into(log)).run();
    }

    private static Checkpoint last(Path dir) throws IOException {
        return CheckpointStore.read(dir.toUri().toString(), sc.hadoopConfiguration());
    }

    @Test
    void damagedNewestCheckpointIsNamedAndThePreviousOneUsed(@TempDir Path tmp) throws Exception {
        Path straight = tmp.resolve("straight");
        Path damaged = tmp.resolve("damaged");
        run("cs-straight", straight, 6, 2, 0, CONF, Set.of(), new ByteArrayOutputStream());
        run("cs-first", damaged, 4, 2, 0, CONF, Set.of(), new ByteArrayOutputStream());
        Path params = damaged.resolve("checkpoints/step-000000004/params.f32");
        try (RandomAccessFile f = new RandomAccessFile(params.toFile(), "rw")) {
            f.setLength(f.length() - 100);
        }
        Files.deleteIfExists(damaged.resolve("checkpoints/step-000000004/.params.f32.crc"));
        Path stale = Files.createDirectories(damaged.resolve("checkpoints/_writing-step-000000005"));
        Files.writeString(stale.resolve("params.f32"), "half");

        IOException direct = assertThrows(IOException.class,
                () -> CheckpointStore.read(damaged.resolve("checkpoints/step-000000004").toUri().toString(),
                        sc.hadoopConfiguration()));
        assertTrue(direct.getMessage().contains("params.f32"), direct.getMessage());

        ByteArrayOutputStream log = new ByteArrayOutputStream();
        run("cs-second", damaged, 6, 2, 0, CONF, Set.of(), log);
        String printed = log.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("step-000000004 is damaged and skipped") && printed.contains("params.f32"), printed);
        assertTrue(printed.contains("resumed from") && printed.contains("step-000000002 at step 2"), printed);
        assertTrue(printed.contains("removed") && printed.contains("_writing-step-000000005"), printed);
        assertFalse(Files.exists(stale));
        assertArrayEquals(last(straight).params(), last(damaged).params(), "resumed from the previous checkpoint, same bits");
    }

    @Test
    void corruptHeaderIsRefusedBeforeAllocating(@TempDir Path tmp) throws Exception {
        run("cs-header", tmp, 2, 2, 0, CONF, Set.of(), new ByteArrayOutputStream());
        Path params = tmp.resolve("checkpoints/step-000000002/params.f32");
        try (RandomAccessFile f = new RandomAccessFile(params.toFile(), "rw")) {
            f.seek(4);
            f.writeInt(Integer.MAX_VALUE);   // claims 8 GB of floats
        }
        Files.deleteIfExists(tmp.resolve("checkpoints/step-000000002/.params.f32.crc"));
        IOException e = assertThrows(IOException.class, () -> last(tmp));
        assertTrue(e.getMessage().contains("params.f32") && e.getMessage().contains("header claims " + Integer.MAX_VALUE),
                e.getMessage());
    }

    @Test
    void failedStepLeavesACheckpointAndResumeEndsBitIdentical(@TempDir Path tmp) throws Exception {
        Path straight = tmp.resolve("straight");
        Path failed = tmp.resolve("failed");
        run("cs-fail-straight", straight, 5, 100, 0, CONF, Set.of(), new ByteArrayOutputStream());
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        sc.setLocalProperty(FaultHooks.FAIL_FIRST_ATTEMPT, "3/1");   // step 4 (0-based 3), replica 1
        try {
            assertThrows(Exception.class, () -> run("cs-fail", failed, 5, 100, 0, CONF, Set.of(), log));
        } finally {
            sc.setLocalProperty(FaultHooks.FAIL_FIRST_ATTEMPT, null);
        }
        String printed = log.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("step 4 failed: checkpoint") && printed.contains("step-000000003"), printed);
        assertEquals(3, last(failed).step());
        assertEquals(4, Files.readAllLines(failed.resolve("metrics.csv")).size(), "header and steps 1-3");
        run("cs-fail-resumed", failed, 5, 100, 0, CONF, Set.of(), new ByteArrayOutputStream());
        assertArrayEquals(last(straight).params(), last(failed).params());
    }

    @Test
    void checkpointsFollowTheClockToo(@TempDir Path tmp) throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        run("cs-minutes", tmp, 3, 100, 1e-6, CONF, Set.of(), log);
        assertEquals(3, new CheckpointStore(tmp.toUri().toString(), sc.hadoopConfiguration(), 10).list().size(),
                log.toString(StandardCharsets.UTF_8));
    }

    @Test
    void resumeRefusesAChangedRunUnlessAllowed(@TempDir Path tmp) throws Exception {
        run("cs-conf", tmp, 2, 2, 0, CONF, Set.of(), new ByteArrayOutputStream());
        String changed = "inception { cluster { batch-per-replica = 16 }, data { train = \"/elsewhere\" }, "
                + "schedule { log-every-steps = 5 } }";
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> run("cs-conf-2", tmp, 4, 2, 0, changed, Set.of(), new ByteArrayOutputStream()));
        assertTrue(e.getMessage().contains("inception.cluster.batch-per-replica (8 -> 16)")
                && e.getMessage().contains("inception.data.train")
                && e.getMessage().contains("--allow-change cluster.batch-per-replica,data.train")
                && !e.getMessage().contains("log-every-steps"), e.getMessage());
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        run("cs-conf-3", tmp, 4, 2, 0, changed, Set.of("inception.cluster.batch-per-replica", "inception.data.train"), log);
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("resuming with changed keys (allowed)"),
                log.toString(StandardCharsets.UTF_8));
        assertEquals(4, last(tmp).step());
    }
}

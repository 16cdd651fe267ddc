package org.inceptionspark.driver.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.hadoop.conf.Configuration;
import org.inceptionspark.driver.checkpoint.Checkpoint;
import org.inceptionspark.driver.checkpoint.CheckpointStore;
import org.inceptionspark.driver.cluster.StandaloneCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver process killed mid-run on a real standalone cluster (the driver its own JVM, started
 * from the test classpath): by kill -9 between checkpoints, by kill -9 while a checkpoint is being
 * written, and by SIGTERM. A restart with the same configuration takes over the dead driver's lock,
 * resumes from the last complete checkpoint and ends bit-identical to one process training
 * undisturbed.
 */
class DriverKillOnClusterIT {
    private static final int STEPS = 8;
    private static StandaloneCluster cluster;
    private static float[] expected;

    @BeforeAll
    static void start() throws Exception {
        cluster = StandaloneCluster.start(2, 1, "2g");
        expected = SyncEquivalenceTest.singleProcess(DriverProcess.setup(), STEPS).params().clone();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static Process driver(Path runDir, Path log, String... jvmOptions) throws IOException {
        List<String> cmd = StandaloneCluster.javaCommand("1g", List.of(jvmOptions), DriverProcess.class.getName(),
                cluster.masterUrl(), runDir.toUri().toString(), String.valueOf(STEPS),
                cluster.securityFile().toString());
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void await(BooleanSupplier condition, Process p, Path log, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(420);
        while (!condition.getAsBoolean()) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new AssertionError("driver " + (p.isAlive() ? "timed out" : "exited " + p.exitValue())
                        + " waiting for " + what + ":\n" + tail(log));
            }
            Thread.sleep(100);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static boolean logged(Path log, String text) {
        try {
            return Files.exists(log) && Files.readString(log).contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    /** Restarts the driver, lets it finish and checks where it resumed and what it ended with. */
    private static String restartAndFinish(Path runDir, Path tmp) throws Exception {
        Path log = tmp.resolve("restart.log");
        Process p = driver(runDir, log);
        assertTrue(p.waitFor(480, TimeUnit.SECONDS), "restarted driver did not finish:\n" + tail(log));
        assertEquals(0, p.exitValue(), tail(log));
        String printed = Files.readString(log);
        assertTrue(printed.contains("finished at step " + STEPS), printed);
        Checkpoint last = CheckpointStore.read(runDir.toUri().toString(), new Configuration());
        assertEquals(STEPS, last.step());
        assertArrayEquals(expected, last.params(), "bit-identical to an undisturbed run");
        return printed;
    }

    @Test
    void driverKilledBetweenCheckpointsResumesFromTheLastOne(@TempDir Path tmp) throws Exception {
        Path runDir = tmp.resolve("run");
        Path log = tmp.resolve("first.log");
        Process p = driver(runDir, log);
        await(() -> logged(log, "step-000000004"), p, log, "the checkpoint of step 4");
        await(() -> logged(log, "step 5/"), p, log, "step 5");
        p.toHandle().destroyForcibly();   // SIGKILL: no hook runs
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String printed = restartAndFinish(runDir, tmp);
        assertTrue(printed.matches("(?s).*resumed from \\S+step-00000000[46] at step [46].*"), printed);
    }

    @Test
    void driverKilledWhileWritingACheckpointResumesFromThePreviousOne(@TempDir Path tmp) throws Exception {
        Path runDir = tmp.resolve("run");
        Path log = tmp.resolve("first.log");
        Process p = driver(runDir, log, "-D" + CheckpointStore.PAUSE_PROPERTY + "=4:2000");
        Path writing = runDir.resolve("checkpoints").resolve("_writing-step-000000004");
        await(() -> Files.exists(writing.resolve("params.f32")), p, log, "the checkpoint of step 4 being written");
        p.toHandle().destroyForcibly();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertTrue(Files.exists(writing), "killed before the temporary was renamed");
        String printed = restartAndFinish(runDir, tmp);
        assertTrue(printed.contains("removed") && printed.contains("_writing-step-000000004"), printed);
        assertTrue(printed.matches("(?s).*resumed from \\S+step-000000002 at step 2.*"), printed);
    }

    @Test
    void driverStoppedBySigtermCheckpointsFirst(@TempDir Path tmp) throws Exception {
        Path runDir = tmp.resolve("run");
        Path log = tmp.resolve("first.log");
        Process p = driver(runDir, log);
        await(() -> logged(log, "step 3/"), p, log, "step 3");
        p.destroy();   // SIGTERM
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String first = Files.readString(log);
        String printed = restartAndFinish(runDir, tmp);
        int resumedAt = Integer.parseInt(printed.replaceAll("(?s).*resumed from \\S+ at step (\\d+).*", "$1"));
        assertTrue(resumedAt >= 3, "SIGTERM after step 3 lost steps: resumed at " + resumedAt + "\n" + first);
        if (first.contains("the driver is stopping: checkpoint")) {
            String stoppedAt = first.replaceAll("(?s).*the driver is stopping: checkpoint \\S+step-0*(\\d+).*", "$1");
            assertEquals(stoppedAt, String.valueOf(resumedAt), printed);
        }
    }
}

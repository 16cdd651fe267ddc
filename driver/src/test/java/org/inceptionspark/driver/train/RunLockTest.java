package org.inceptionspark.driver.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One driver per run directory, on the local Hadoop filesystem. */
class RunLockTest {
    private static final Configuration HADOOP = new Configuration();

    @Test
    void secondDriverFailsNamingTheHolderAndCloseReleases(@TempDir Path dir) throws Exception {
        String run = dir.resolve("run").toUri().toString();
        try (RunLock first = RunLock.acquire(run, HADOOP, "starting", Duration.ofMinutes(5), false)) {
            first.setApplication("app-20261202-0001");
            RunLock.LockedException e = assertThrows(RunLock.LockedException.class,
                    () -> RunLock.acquire(run, HADOOP, "starting", Duration.ofMinutes(5), true));
            assertTrue(e.getMessage().contains("in use by another driver") && e.getMessage().contains("app-20261202-0001")
                    && e.getMessage().contains("pid " + ProcessHandle.current().pid()), e.getMessage());
            first.renew();
        }
        assertFalse(Files.exists(dir.resolve("run").resolve(RunLock.FILE)), "closing removes the lock");
        RunLock.acquire(run, HADOOP, "next", Duration.ofMinutes(5), false).close();
    }

    @Test
    void staleLockIsTakenOverOnlyWhenAskedAndTheOldHolderStops(@TempDir Path dir) throws Exception {
        String run = dir.resolve("run").toUri().toString();
        RunLock old = RunLock.acquire(run, HADOOP, "app-old", Duration.ofSeconds(10), false);
        // the old holder stops renewing: its last renewal lies in the past
        Path file = dir.resolve("run").resolve(RunLock.FILE);
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.from(Instant.now().minusSeconds(60)));

        RunLock.LockedException refused = assertThrows(RunLock.LockedException.class,
                () -> RunLock.acquire(run, HADOOP, "app-new", Duration.ofSeconds(10), false));
        assertTrue(refused.getMessage().contains("stopped renewing") && refused.getMessage().contains("app-old")
                && refused.getMessage().contains("take-over-stale-lock"), refused.getMessage());

        try (RunLock taken = RunLock.acquire(run, HADOOP, "app-new", Duration.ofSeconds(10), true)) {
            assertEquals("app-new", taken.holder().application());
            RunLock.LockedException lost = assertThrows(RunLock.LockedException.class, old::renew);
            assertTrue(lost.getMessage().contains("taken over by application app-new"), lost.getMessage());
            old.close();   // must not remove the new holder's lock
            assertTrue(Files.exists(file));
            taken.renew();
        }
    }
}

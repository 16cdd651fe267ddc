package org.inceptionspark.driver.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** metrics.csv is replaced whole at each write, and a resumed run reads back what it wrote. */
class MetricsLogTest {
    private static MetricsLog.Row row(long step) {
        return new MetricsLog.Row(step, step / 100.0, 0.045, 3.0 - step / 100.0, 2.5, 40.0, Double.NaN, Double.NaN, 0);
    }

    @Test
    void everyWriteLeavesACompleteFileThatResumesWithoutGapsOrRepeats(@TempDir Path dir) throws Exception {
        MetricsLog log = new MetricsLog(dir.toString(), new Configuration());
        for (long s = 0; s < 3; s++) {
            log.add(row(s));
            log.write();
            List<String> lines = Files.readAllLines(dir.resolve("metrics.csv"));
            assertEquals(s + 2, lines.size(), "header and every row so far, after write " + s);
        }
        log.setEvaluation(2, 0.25, 0.05);
        log.write();
        assertEquals("2,0.02,0.045,2.98,2.5,40.0,0.25,0.05,0", Files.readAllLines(dir.resolve("metrics.csv")).get(3));
        try (var files = Files.list(dir)) {
            assertFalse(files.anyMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temporary file is left");
        }

        MetricsLog resumed = new MetricsLog(dir.toString(), new Configuration());
        resumed.resumeAt(1);
        assertEquals(List.of(row(0), row(1)), resumed.rows());
        resumed.add(row(2));
        resumed.write();
        assertEquals(4, Files.readAllLines(dir.resolve("metrics.csv")).size());
    }
}

package org.inceptionspark.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Pattern;
import org.inceptionspark.driver.CapturedStdout;
import org.junit.jupiter.api.Test;

/** `bench replica` end to end on a tiny network (not a timed test: it checks the output's shape). */
class ReplicaBenchTest {
    private static final Pattern RESULT = Pattern.compile(
            "(?m)^RESULT efficiency=\\d+\\.\\d{4} step_s=\\d+\\.\\d{3} peak_rss_gb=\\d+\\.\\d{2}$");

    @Test
    void tinyBenchWithProfilePrintsStepsAndResultLine() throws Exception {
        CapturedStdout c = CapturedStdout.of(() -> new ReplicaBench().run(new String[] {"--size", "79", "--width", "0.1",
                "--batch", "2", "--classes", "3", "--steps", "1", "--warmup", "0", "--sgemm-n", "256", "--profile"}));
        String out = c.out();
        assertEquals(0, c.rc());
        assertTrue(out.contains("cache=HOST"), "the product's cache mode by default:\n" + out);
        assertTrue(out.contains("step 0: "), out);
        assertTrue(RESULT.matcher(out).find(), "RESULT line in:\n" + out);
    }
}

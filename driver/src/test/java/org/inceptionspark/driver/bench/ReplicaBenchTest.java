package org.inceptionspark.driver.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** `bench replica` end to end on a tiny network (not a timed test: it checks the output's shape). */
class ReplicaBenchTest {
    private static final Pattern RESULT = Pattern.compile(
            "(?m)^RESULT efficiency=\\d+\\.\\d{4} step_s=\\d+\\.\\d{3} peak_rss_gb=\\d+\\.\\d{2}$");

    @Test
    void tinyBenchWithProfilePrintsStepsAndResultLine() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int rc;
        try (PrintStream capture = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            rc = new ReplicaBench().run(new String[] {"--size", "79", "--width", "0.1", "--batch", "2", "--classes", "3",
                    "--steps", "1", "--warmup", "0", "--sgemm-n", "256", "--profile"});
        } finally {
            System.setOut(original);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        original.print(out);
        assertEquals(0, rc);
        assertTrue(out.contains("cache=HOST"), "the product's cache mode by default:\n" + out);
        assertTrue(out.contains("step 0: "), out);
        assertTrue(RESULT.matcher(out).find(), "RESULT line in:\n" + out);
    }
}

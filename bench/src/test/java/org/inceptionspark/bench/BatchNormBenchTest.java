package org.inceptionspark.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.inceptionspark.driver.CapturedStdout;
import org.junit.jupiter.api.Test;

/** `bench batchnorm` on small shapes: not a timed test; it checks the output and that both paths agree. */
class BatchNormBenchTest {
    private static final Pattern RESULT = Pattern.compile("(?m)^RESULT speedups=[0-9.,]+ max_rel_diff=(\\S+)$");

    @Test
    void bothBackwardPathsAgreeAndTheResultLineIsPrinted() throws Exception {
        CapturedStdout c = CapturedStdout.of(() -> new BatchNormBench().run(new String[] {
            "--shapes", "4x8x9x9,2x16x5x7", "--repeats", "1"}));
        assertEquals(0, c.rc());
        Matcher m = RESULT.matcher(c.out());
        assertTrue(m.find(), "RESULT line in:\n" + c.out());
        assertTrue(Double.parseDouble(m.group(1)) < 1e-5, c.out());
        assertTrue(c.out().contains("below the threshold"), c.out());
    }
}

package org.inceptionspark.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.inceptionspark.driver.CapturedStdout;
import org.inceptionspark.driver.SparkSettings;
import org.junit.jupiter.api.Test;

/** Exercises `bench sync` end to end on a tiny configuration (not a timed test: it checks the output's shape). */
class SyncBenchTest {
    private static final Pattern RESULT = Pattern.compile(
            "(?m)^RESULT overhead_ms=-?\\d+ dl4j_overhead_ms=-?\\d+ driver_bytes_n4_over_n2=(\\d+\\.\\d{3}|NaN|Infinity)"
                    + " model=inception_v3 parameters=\\d+ driver_mb_per_step_n2=\\d+\\.\\d driver_state_mb=\\d+\\.\\d exchange=spark"
                    + " steps_per_job=1 precision=float32$");

    @Test
    void tinyBenchOnLocalModePrintsTablesAndResultLine() throws Exception {
        CapturedStdout c = CapturedStdout.of(() -> new SyncBench().run(new String[] {"--master", "local[2]",
                "--replicas", "1,2", "--steps", "1", "--warmup", "0", "--batch", "1", "--width", "0.1", "--classes", "5",
                "--timeline"}));
        String out = c.out();
        assertEquals(0, c.rc());
        assertTrue(out.contains("N=1 replicas x 1 image(s)"), "table for N=1");
        assertTrue(out.contains("N=2 replicas x 1 image(s)"), "table for N=2");
        assertTrue(out.contains("dl4j-paramavg"), "DL4J row");
        assertTrue(RESULT.matcher(out).find(), "RESULT line in:\n" + out);
        assertTrue(out.contains("slowest replica weight fetch"), "--timeline's driver line");
        assertTrue(out.matches("(?s).*stage \\d+ \\(2 tasks\\).*exec \\S+ .*shuffle write.*"), "--timeline's stages");
    }

    /**
     * {@code --exchange direct --steps-per-job 2}: the same tables through the barrier stage's own
     * connections, two steps to a job, their compute reported by the tasks with each step.
     */
    @Test
    void tinyBenchRunsTheDirectExchange() throws Exception {
        CapturedStdout c = CapturedStdout.of(() -> new SyncBench().run(new String[] {"--master", "local[2]",
                "--replicas", "1,2", "--steps", "2", "--warmup", "0", "--batch", "1", "--width", "0.1", "--classes", "5",
                "--no-dl4j", "--exchange", "direct", "--steps-per-job", "2", "--timeline", "--exchange-precision", "bfloat16"}));
        assertEquals(0, c.rc());
        assertTrue(c.out().contains("N=2 replicas x 1 image(s)"), "table for N=2");
        assertTrue(c.out().contains("(one job runs several steps"), c.out());
        assertTrue(Pattern.compile("(?m)^RESULT overhead_ms=-?\\d+ .* exchange=direct steps_per_job=2 precision=bfloat16$")
                .matcher(c.out()).find(), "RESULT line in:\n" + c.out());
        IllegalArgumentException narrowSpark = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new SyncBench().run(new String[] {"--master", "local[2]", "--exchange-precision", "bfloat16"}));
        assertTrue(narrowSpark.getMessage().contains("--exchange direct"), narrowSpark.getMessage());
        IllegalArgumentException spark = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new SyncBench().run(new String[] {"--master", "local[2]", "--steps-per-job", "2"}));
        assertTrue(spark.getMessage().contains("--steps-per-job 2") && spark.getMessage().contains("--exchange direct"),
                spark.getMessage());
    }

    @Test
    void parameterCountFromTheConfigurationIsTheInitialisedVectorsLength() {
        org.deeplearning4j.nn.conf.ComputationGraphConfiguration conf = org.inceptionspark.model.ModelZoo.build(
                SyncBench.spec("inception_v3", 5, 79, 0.1), 42);
        org.deeplearning4j.nn.graph.ComputationGraph g = org.inceptionspark.model.ModelZoo.dl4jNetwork(conf, null);
        assertEquals(g.numParams(), SyncBench.parameters(conf));
    }

    @Test
    void sparkSettingsOnlyFillWhatTheUserLeftUnset() {
        SparkConf conf = new SparkConf(false).set("spark.shuffle.compress", "true");
        SparkSettings.apply(conf);
        assertEquals("true", conf.get("spark.shuffle.compress"));
        assertEquals("false", conf.get("spark.broadcast.compress"));
    }
}

package org.inceptionspark.driver.train;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.inceptionspark.driver.SparkSettings;
import org.inceptionspark.worker.BatchSource;
import org.inceptionspark.worker.LabeledImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run whose every step is non-finite stops after schedule.max-consecutive-skipped-steps, naming the replica. */
class NonFiniteStopTest {
    /** Replica 1's images hold a NaN pixel: its gradient is not finite, the others' are. */
    static final class PoisonedBatches implements BatchSource {
        private final TinyNetwork.NoiseBatches clean = new TinyNetwork.NoiseBatches(5, 8);

        @Override
        public LabeledImages load(long step, int replica, int replicas) {
            LabeledImages b = clean.load(step, replica, replicas);
            if (replica == 1) {
                b.features().putScalar(new long[] {0, 0, 0, 0}, Float.NaN);
            }
            return b;
        }

        @Override
        public long imagesPerEpoch() {
            return clean.imagesPerEpoch();
        }
    }

    @Test
    void consecutiveNonFiniteStepsStopTheRunNamingTheReplica(@TempDir Path tmp) throws Exception {
        stopsNamingTheReplica(tmp, new RunOptions(tmp.toUri().toString(), 20, 1, 100, 2, 0, "inception { }", 0, 1.0, 3, Set.of()));
    }

    /**
     * The same under {@code cluster.steps-per-job = 4}: a skipped step runs again under the same
     * number (a new job), and the replica is named from the tasks' own reports.
     */
    @Test
    void aSkippedStepInAJobOfSeveralStepsRunsAgainNamingTheReplica(@TempDir Path tmp) throws Exception {
        stopsNamingTheReplica(tmp, new RunOptions(tmp.toUri().toString(), 20, 1, 100, 2, 0, "inception { }", 0, 1.0, 3,
                Set.of(), java.time.Duration.ofMinutes(2), 0, org.inceptionspark.config.ClusterConfig.Exchange.DIRECT, 4,
                org.inceptionspark.config.ClusterConfig.Precision.FLOAT32));
    }

    private static void stopsNamingTheReplica(Path tmp, RunOptions options) throws Exception {
        TrainingSetup clean = SyncEquivalenceTest.setup("non-finite", 2, 5);
        TrainingSetup poisoned = new TrainingSetup(clean.runKey(), clean.graph(), new PoisonedBatches(), clean.replicas(),
                clean.batchPerReplica(), clean.classes(), clean.labelSmoothing(), clean.seed(), clean.rule(),
                clean.schedule(), clean.optimizer(), 20, 0, 1);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (JavaSparkContext sc = new JavaSparkContext(SparkSettings.apply(new SparkConf().setMaster("local[2]")
                .setAppName("non-finite").set("spark.ui.enabled", "false")))) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> new TrainingRun(sc, poisoned, options, null, new PrintStream(log, true, StandardCharsets.UTF_8)).run());
            assertTrue(e.getMessage().contains("3 consecutive steps (1..3)") && e.getMessage().contains("replica 1 (executor")
                    && !e.getMessage().contains("replica 0"), e.getMessage());
            assertTrue(log.toString(StandardCharsets.UTF_8).contains("step 1 skipped: non-finite gradient from replica 1"),
                    log.toString(StandardCharsets.UTF_8));
        }
    }
}

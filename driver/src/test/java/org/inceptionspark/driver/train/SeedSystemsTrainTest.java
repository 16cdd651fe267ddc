package org.inceptionspark.driver.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.inceptionspark.config.AugmentConfig;
import org.inceptionspark.config.ConfigLoader;
import org.inceptionspark.config.InceptionConfig;
import org.inceptionspark.driver.data.TestData;
import org.inceptionspark.train.StepOutcome;
import org.inceptionspark.worker.data.PackedBatchSource;
import org.inceptionspark.worker.data.ReplicaBatchLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GoogLeNet and VGG, configured by their recipe files (conf/googlenet-imagenet.conf,
 * conf/vgg16-imagenet.conf), really train on this engine: a narrow copy of each (width 1/16, ten
 * classes, the papers' 224x224 input) takes synchronous steps on Spark local mode over real images
 * and its loss falls; VGG's run is also bit-identical to one process doing the same work.
 */
class SeedSystemsTrainTest {
    /** The images every step trains on: one global batch, so the loss measures fitting, not sampling. */
    private static final int IMAGES = 4;
    private static final int REPLICAS = 2;
    private static final int STEPS = 8;

    @TempDir
    static Path tmp;
    static String packed;
    static JavaSparkContext sc;

    @BeforeAll
    static void packAndStart() throws Exception {
        packed = TestData.packFashionSubset(tmp.resolve("packed"), 1);
        sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("seed-systems")
                .set("spark.ui.enabled", "false"));
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
        ReplicaBatchLoader.clearCache();
    }

    /** The recipe file's setup, narrowed: everything else (optimizer, schedule, augmentation, dropout) is the paper's. */
    static TrainingSetup narrowSetup(String confFile, Map<String, String> more) {
        Map<String, String> o = new java.util.HashMap<>();
        Map<String, String> narrow = new java.util.HashMap<>(Map.of(
                "model.width-multiplier", "0.0625", "model.min-depth", "8", "model.classes", "10",
                "cluster.replicas", String.valueOf(REPLICAS), "cluster.batch-per-replica", String.valueOf(IMAGES / REPLICAS),
                "data.decode-threads", "1", "data.prefetch", "false"));
        narrow.putAll(more);
        narrow.forEach((k, v) -> o.put("inception." + k, v));
        InceptionConfig c = ConfigLoader.load(TestData.repoRoot().resolve("conf").resolve(confFile), o).config();
        PackedBatchSource data = new PackedBatchSource(packed, IMAGES, c.run().seed(), c.cluster().batchPerReplica(),
                c.model().inputSize(), c.augment(), 1, false, c.data().decodeLimits());
        return TrainingSetups.from(c, confFile + "-narrow", REPLICAS, data);
    }

    private static List<Double> train(SyncTrainer trainer) {
        List<Double> losses = new ArrayList<>();
        for (int i = 0; i < STEPS; i++) {
            StepOutcome o = trainer.step("step " + i);
            assertTrue(o.applied(), o.toString());
            assertEquals(IMAGES, o.images());
            assertTrue(Double.isFinite(o.loss()), o.toString());
            losses.add(o.loss());
        }
        return losses;
    }

    private static void assertFalls(String what, List<Double> losses) {
        double first = (losses.get(0) + losses.get(1)) / 2;
        double last = (losses.get(STEPS - 2) + losses.get(STEPS - 1)) / 2;
        assertTrue(last < 0.9 * first, what + ": loss must fall, got " + losses);
    }

    @Test
    void googLeNetTrainsWithBothAuxiliaryHeadsAndPolyakAveraging() {
        TrainingSetup s = narrowSetup("googlenet-imagenet.conf", Map.of("optimizer.learning-rate", "0.05"));
        assertEquals(3, s.graph().getNetworkOutputs().size(), "main and two auxiliary classifiers");
        try (SyncTrainer trainer = new SyncTrainer(sc, s)) {
            List<Double> losses = train(trainer);
            assertFalls("googlenet", losses);
            assertTrue(!java.util.Arrays.equals(trainer.state().params(), trainer.state().evaluationParams()),
                    "the Polyak average is not the last iterate");
        }
    }

    @Test
    void vggTrainsAndTwoReplicasEqualOneProcessBitForBit() {
        TrainingSetup s = narrowSetup("vgg16-imagenet.conf", Map.of("model.name", "vgg_a", "optimizer.learning-rate", "0.05"));
        float[] spark;
        try (SyncTrainer trainer = new SyncTrainer(sc, s)) {
            assertFalls("vgg_a", train(trainer));
            spark = trainer.state().params().clone();
        }
        assertArrayEquals(SyncEquivalenceTest.singleProcess(s, STEPS).params(), spark,
                "Spark's 2 replicas and the single process must agree bit for bit");
    }
}

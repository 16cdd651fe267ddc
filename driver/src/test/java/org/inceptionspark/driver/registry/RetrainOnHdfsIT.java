package org.inceptionspark.driver.registry;

import org.inceptionspark.driver.commands.RegistryCommand;
import org.inceptionspark.driver.commands.RetrainCommand;

import org.inceptionspark.driver.Main;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.inceptionspark.driver.CapturedStdout;
import org.inceptionspark.driver.checkpoint.Checkpoint;
import org.inceptionspark.driver.checkpoint.CheckpointModels;
import org.inceptionspark.driver.commands.PackCommand;
import org.inceptionspark.driver.data.MiniHdfs;
import org.inceptionspark.driver.data.TestData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Scheduled retraining on HDFS (MiniDFSCluster) and Spark local mode, in the order a registry lives:
 * the first retrain into an empty registry promotes, the next warm-starts from it, a gate that
 * cannot pass leaves the registry as it was, a second retrain while one runs is refused, and a
 * rollback moves {@code current} back. Each retrain trains a thin Inception-v3 for two steps.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RetrainOnHdfsIT {
    private static MiniHdfs cluster;
    private static FileSystem fs;
    private static String hdfs;
    private static ModelRegistry registry;

    @BeforeAll
    static void startHdfsAndPack() throws Exception {
        cluster = MiniHdfs.start();
        fs = cluster.fs();
        hdfs = cluster.uri();
        fs.copyFromLocalFile(false, true, new Path(TestData.fashionSubset().toUri()), new Path("/images"));
        ByteArrayOutputStream packed = new ByteArrayOutputStream();
        assertEquals(0, new PackCommand(new PrintStream(packed, true, StandardCharsets.UTF_8)).run(new String[] {
                "--images", hdfs + "/images", "--out", hdfs + "/packed", "--shards", "2", "--val-fraction", "0.2"}),
                packed.toString(StandardCharsets.UTF_8));
        registry = new ModelRegistry(hdfs + "/registry", new Configuration());
    }

    @AfterAll
    static void stopHdfs() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String[] retrainArgs(String runName, String... extra) {
        List<String> a = new ArrayList<>(List.of("--config", TestData.repoRoot().resolve("conf/local-demo.conf").toString(),
                "--registry", hdfs + "/registry",
                "-Ddata.train=" + hdfs + "/packed/train", "-Ddata.validation=" + hdfs + "/packed/val",
                "-Drun.dir=" + hdfs + "/runs", "-Drun.name=" + runName,
                "-Dmodel.width-multiplier=0.1", "-Dmodel.min-depth=8", "-Dcluster.batch-per-replica=4",
                "-Dschedule.max-steps=2", "-Dcheckpoint.every-steps=2", "-Deval.max-images=16",
                "-Dregistry.max-regression=1.0", "-Dspark.master=local[2]"));
        a.addAll(List.of(extra));
        return a.toArray(new String[0]);
    }

    private static CapturedStdout retrain(String runName, String... extra) throws Exception {
        return CapturedStdout.of(() -> Main.run("retrain", new RetrainCommand(), retrainArgs(runName, extra), System.err));
    }

    private static CapturedStdout registryCommand(String... words) throws Exception {
        List<String> a = new ArrayList<>(List.of("--registry", hdfs + "/registry"));
        a.addAll(List.of(words));
        return CapturedStdout.of(() -> Main.run("registry", new RegistryCommand(), a.toArray(new String[0]), System.err));
    }

    @Test
    @Order(1)
    void theFirstRetrainIntoAnEmptyRegistryPromotes(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        CapturedStdout r = retrain("nightly");
        assertEquals(RetrainCommand.EXIT_PROMOTED, r.rc(), r.out());
        assertTrue(r.out().contains("holds no model yet: training from scratch"), r.out());
        assertTrue(r.out().contains("promoted v1 (parent none)"), r.out());
        assertEquals("v1", registry.current().orElseThrow());

        JsonNode m = registry.metadata("v1");
        assertEquals("v1", m.path("version").asText());
        assertTrue(m.path("parent").isNull());
        assertEquals("nightly", m.path("run").path("name").asText());
        assertEquals(2, m.path("run").path("steps").asLong());
        assertEquals(10, m.path("configuration").path("inception").path("model").path("classes").asInt());
        assertTrue(m.path("data").path("manifestDigest").asText().matches("sha256:[0-9a-f]{64}"), m.toString());
        double top1 = m.path("metrics").path("top1Error").asDouble(-1);
        assertTrue(top1 >= 0 && top1 <= 1, m.toString());
        assertFalse(m.path("time").asText().isEmpty());
        // the exported model is the version's moving-average weights with the batch-norm statistics its
        // evaluation recomputed (eval.batch-norm-statistics = recompute), and the digest says which
        File zip = tmp.resolve("v1.zip").toFile();
        fs.copyToLocalFile(new Path(registry.versionDir("v1"), "model.zip"), new Path(zip.toURI()));
        org.deeplearning4j.nn.graph.ComputationGraph model = CheckpointModels.load(zip.getAbsolutePath(), new Configuration());
        float[] exported = model.params().toFloatVector();
        Checkpoint v1 = registry.checkpoint("v1");
        assertTrue(m.path("batchNormStatistics").asText().startsWith("batch-norm statistics recomputed from"), m.toString());
        for (org.inceptionspark.optim.ParameterSegment seg : org.inceptionspark.optim.ParameterLayout.of(model).segments()) {
            float[] average = java.util.Arrays.copyOfRange(v1.evaluationParams(), (int) seg.offset(), (int) seg.end());
            float[] got = java.util.Arrays.copyOfRange(exported, (int) seg.offset(), (int) seg.end());
            if (seg.role() == org.inceptionspark.optim.ParameterRole.BATCH_NORM_STATISTIC) {
                assertFalse(java.util.Arrays.equals(average, got), seg.name() + " is recomputed");
            } else {
                assertTrue(java.util.Arrays.equals(average, got), seg.name() + " is the moving average's");
            }
        }
        assertEquals("sha256:" + RetrainCommand.parameterDigest(exported), m.path("parameterDigest").asText());
        // evaluated with its own statistics, the published model scores exactly what the gate saw
        try (org.apache.spark.api.java.JavaSparkContext sc = new org.apache.spark.api.java.JavaSparkContext(
                org.inceptionspark.driver.SparkSettings.apply(new org.apache.spark.SparkConf()
                        .setMaster("local[2]").setAppName("published model")))) {
            org.inceptionspark.config.InceptionConfig c = CheckpointModels.config(v1, java.util.Map.of());
            org.inceptionspark.driver.train.Validator.Result again = new org.inceptionspark.driver.train.EvaluationValidator(
                    sc, c.data().validation(), c.model().inputSize(), c.augment().evalCentralFraction(),
                    c.eval().maxImages(), c.data().decodeLimits(), null)
                    .evaluate(model.getConfiguration(), exported);
            assertEquals(top1, again.top1Error(), m.toString());
            assertEquals(m.path("metrics").path("top5Error").asDouble(), again.top5Error(), m.toString());
        }
    }

    @Test
    @Order(2)
    void theNextRetrainWarmStartsFromTheCurrentModelAndComparesWithIt() throws Exception {
        CapturedStdout r = retrain("nightly", "-Dregistry.keep-optimizer=true");
        assertEquals(RetrainCommand.EXIT_PROMOTED, r.rc(), r.out());
        assertTrue(r.out().contains("was already decided: moved to"), "the decided run is set aside:\n" + r.out());
        assertTrue(r.out().contains("warm start from the registry's current version v1 (its run's step 2)"), r.out());
        assertTrue(r.out().contains("current v1: top-1 error"), "the current model is evaluated too:\n" + r.out());
        assertTrue(r.out().contains("promoted v2 (parent v1)"), r.out());
        assertEquals("v2", registry.current().orElseThrow());
        assertEquals("v1", registry.metadata("v2").path("parent").asText());
        assertTrue(registry.metadata("v2").path("run").path("warmStarted").asBoolean());
        // keep-optimizer: the step (and the learning-rate schedule with it) goes on from v1's
        assertEquals(4, registry.checkpoint("v2").step());

        CapturedStdout list = registryCommand("list");
        assertEquals(0, list.rc());
        assertTrue(list.out().contains("2 versions, current v2"), list.out());
        assertTrue(list.out().contains("* v2"), list.out());
    }

    @Test
    @Order(3)
    void aRefusedCandidateLeavesTheRegistryAsItWas() throws Exception {
        List<String> before = registry.versions();
        CapturedStdout r = retrain("nightly", "-Dregistry.max-top1-error=0");
        assertEquals(RetrainCommand.EXIT_REFUSED, r.rc(), r.out());
        assertTrue(r.out().contains("refused by the gate: top-1 error"), r.out());
        assertTrue(r.out().contains("registry.max-top1-error 0.00%"), r.out());
        assertEquals(before, registry.versions());
        assertEquals("v2", registry.current().orElseThrow());
        assertEquals(List.of("current", "versions"), names(new Path("/registry")), "no lock or half-written file left");
    }

    @Test
    @Order(4)
    void aSecondRetrainWhileOneRunsIsRefusedAndChangesNothing() throws Exception {
        CompletableFuture<CapturedStdout> first = CompletableFuture.supplyAsync(() -> {
            try {
                return retrain("nightly");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Path lock = new Path("/registry/" + org.inceptionspark.driver.train.RunLock.FILE);
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!fs.exists(lock) && !first.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(fs.exists(lock), "the running retrain holds the lock");
        Path runLock = new Path("/runs/nightly/" + org.inceptionspark.driver.train.RunLock.FILE);
        // seen once is enough: retrain lets go of it for a moment while it moves the decided run aside
        boolean runLocked;
        while (!(runLocked = fs.exists(runLock)) && !first.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(runLocked, "and its run directory's lock, as train takes it");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream originalErr = System.err;
        int second;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            second = new RetrainCommand(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))
                    .run(retrainArgs("concurrent"));
        } finally {
            System.setErr(originalErr);
        }
        String refused = err.toString(StandardCharsets.UTF_8);
        assertEquals(RetrainCommand.EXIT_BUSY, second, refused);
        assertTrue(refused.contains("is locked by another retrain or rollback") && refused.contains("retrain nightly"),
                refused);
        assertFalse(fs.exists(new Path("/runs/concurrent")), "the refused retrain did not start a run");

        CapturedStdout r = first.get();
        assertEquals(RetrainCommand.EXIT_PROMOTED, r.rc(), r.out());
        assertTrue(r.out().contains("promoted v3 (parent v2)"), r.out());
        assertFalse(fs.exists(lock), "released");
        assertFalse(fs.exists(runLock), "released");
    }

    @Test
    @Order(7)
    void aRetrainWhoseRunDirectoryADriverHoldsIsRefusedAndChangesNothing() throws Exception {
        List<String> before = registry.versions();
        String current = registry.current().orElseThrow();
        // a train of the same run directory, running
        try (org.inceptionspark.driver.train.RunLock held = org.inceptionspark.driver.train.RunLock.acquire(
                hdfs + "/runs/held", new Configuration(), "train held", java.time.Duration.ofSeconds(300), false)) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PrintStream originalErr = System.err;
            CapturedStdout r;
            try {
                System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
                r = retrain("held");
            } finally {
                System.setErr(originalErr);
            }
            String refused = err.toString(StandardCharsets.UTF_8);
            assertEquals(RetrainCommand.EXIT_BUSY, r.rc(), refused + r.out());
            assertTrue(refused.contains("run directory " + hdfs + "/runs/held is in use by another driver")
                    && refused.contains("train held"), refused);
            assertEquals(List.of(org.inceptionspark.driver.train.RunLock.FILE), names(new Path("/runs/held")),
                    "nothing written into the held run");
            assertTrue(held.holder().application().equals("train held"), "the holder keeps its lock");
        }
        assertEquals(before, registry.versions());
        assertEquals(current, registry.current().orElseThrow());
        assertFalse(fs.exists(new Path("/registry/" + org.inceptionspark.driver.train.RunLock.FILE)), "registry released");
    }

    @Test
    @Order(5)
    void rollbackMovesCurrentBackAndAWrongVersionIsBadInput() throws Exception {
        CapturedStdout r = registryCommand("rollback", "1");
        assertEquals(0, r.rc(), r.out());
        assertTrue(r.out().contains("current: v3 -> v1"), r.out());
        assertEquals("v1", registry.current().orElseThrow());
        assertEquals(List.of("v1", "v2", "v3"), registry.versions(), "versions stay");
        CapturedStdout show = registryCommand("show", "v1");
        assertEquals(0, show.rc());
        assertTrue(show.out().contains("v1 (current)") && show.out().contains("\"parameterDigest\""), show.out());
        assertEquals(RetrainCommand.EXIT_BAD_INPUT, registryCommand("rollback", "v9").rc());
        assertEquals("v1", registry.current().orElseThrow());
    }

    private static List<String> names(Path dir) throws Exception {
        List<String> n = new ArrayList<>();
        for (var s : fs.listStatus(dir)) {
            n.add(s.getPath().getName());
        }
        n.sort(null);
        return n;
    }

    @Test
    @Order(6)
    void aNewClassCountReinitialisesTheClassifiersAndSkipsTheComparison() throws Exception {
        for (String c : new String[] {"00_tshirt_top", "01_trouser", "02_pullover", "03_dress", "04_coat"}) {
            org.apache.hadoop.fs.FileUtil.copy(fs, new Path("/images/" + c), fs, new Path("/images5/" + c), false,
                    new Configuration());
        }
        ByteArrayOutputStream packed = new ByteArrayOutputStream();
        assertEquals(0, new PackCommand(new PrintStream(packed, true, StandardCharsets.UTF_8)).run(new String[] {
                "--images", hdfs + "/images5", "--out", hdfs + "/packed5", "--shards", "2", "--val-fraction", "0.2"}),
                packed.toString(StandardCharsets.UTF_8));
        CapturedStdout r = retrain("five-classes", "-Dmodel.classes=5", "-Ddata.train=" + hdfs + "/packed5/train",
                "-Ddata.validation=" + hdfs + "/packed5/val");
        assertEquals(RetrainCommand.EXIT_PROMOTED, r.rc(), r.out());
        assertTrue(r.out().contains("warm start from the registry's current version v1"), r.out());
        assertTrue(r.out().contains("classifier re-initialised for 5 classes"), r.out());
        assertTrue(r.out().contains("current v1: not compared (it has 10 classes, the candidate 5)"), r.out());
        assertTrue(r.out().contains("promoted v4 (parent v1)"), r.out());
        assertEquals(5, registry.metadata("v4").path("configuration").path("inception").path("model").path("classes").asInt());
    }
}

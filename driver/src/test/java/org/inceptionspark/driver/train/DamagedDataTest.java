package org.inceptionspark.driver.train;

import org.inceptionspark.config.ConfigLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.inceptionspark.config.AugmentConfig;
import org.inceptionspark.config.OptimizerConfig;
import org.inceptionspark.driver.SparkSettings;
import org.inceptionspark.driver.commands.PackCommand;
import org.inceptionspark.driver.data.TestData;
import org.inceptionspark.optim.LearningRateSchedule;
import org.inceptionspark.optim.TfRmsProp;
import org.inceptionspark.train.UpdateRule;
import org.inceptionspark.worker.data.PackedBatchSource;
import org.inceptionspark.worker.data.PackedDataset;
import org.inceptionspark.worker.data.ReplicaBatchLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged packed data stops a run: before it starts (every file checked against the manifest, the
 * file named) or, when a step loses more than data.max-skipped-fraction of its images, at that
 * step, naming the files; a damaged index fails a task rather than dropping every image.
 */
class DamagedDataTest {
    @TempDir
    static Path tmp;
    private static Path packed;
    private static JavaSparkContext sc;

    @BeforeAll
    static void pack() throws Exception {
        // five classes: TinyNetwork's classifier
        Path src = Files.createDirectories(tmp.resolve("src"));
        for (String c : List.of("00_tshirt_top", "01_trouser", "02_pullover", "03_dress", "04_coat")) {
            Path to = Files.createDirectories(src.resolve(c));
            try (Stream<Path> files = Files.list(TestData.fashionSubset().resolve(c))) {
                for (Path f : files.toList()) {
                    Files.copy(f, to.resolve(f.getFileName()));
                }
            }
        }
        packed = tmp.resolve("packed");
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertEquals(0, new PackCommand(quiet).run(new String[] {"--images", src.toString(), "--out", packed.toString(),
                "--shards", "2", "--master", "local[1]"}));
        sc = new JavaSparkContext(SparkSettings.apply(new SparkConf().setMaster("local[2]").setAppName("damaged-data")
                .set("spark.ui.enabled", "false")));
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
        ReplicaBatchLoader.clearCache();
    }

    private static Path copy(String name) throws IOException {
        Path to = tmp.resolve(name);
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(packed)) {
            for (Path f : files.filter(f -> Files.isRegularFile(f) && !f.getFileName().toString().startsWith(".")).toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }

    private static String checkFails(Path dataset) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> org.inceptionspark.driver.commands.TrainCommand.checkDataset("inception.data.train", dataset.toString(), 5));
        return e.getMessage();
    }

    @Test
    void intactDatasetPasses() {
        assertTrue(org.inceptionspark.driver.commands.TrainCommand.checkDataset("inception.data.train",
                packed.toString(), 5) > 0);
    }

    @Test
    void truncatedIndexIsNamedBeforeTraining() throws Exception {
        Path d = copy("truncated-index");
        Path index = d.resolve("index.bin");
        try (RandomAccessFile f = new RandomAccessFile(index.toFile(), "rw")) {
            f.setLength(f.length() - 10);
        }
        String m = checkFails(d);
        assertTrue(m.contains(index.toString()) && m.contains("truncated"), m);
    }

    @Test
    void missingIndexAndShardAreNamed() throws Exception {
        Path d = copy("missing-index");
        Files.delete(d.resolve("index.bin"));
        String m = checkFails(d);
        assertTrue(m.contains("index.bin") && m.contains("missing"), m);

        Path s = copy("missing-shard");
        Files.delete(s.resolve("part-00001.seq"));
        m = checkFails(s);
        assertTrue(m.contains("part-00001.seq") && m.contains("missing"), m);
    }

    @Test
    void manifestCountMismatchAndTruncatedShardAreNamed() throws Exception {
        Path d = copy("count-mismatch");
        Path manifest = d.resolve("manifest.json");
        String json = Files.readString(manifest);
        long n = Long.parseLong(json.replaceAll("(?s).*\"numImages\" : (\\d+).*", "$1"));
        Files.writeString(manifest, json.replace("\"numImages\" : " + n, "\"numImages\" : " + (n + 1)));
        String m = checkFails(d);
        assertTrue(m.contains("index.bin") && m.contains("manifest says " + (n + 1)), m);

        Path t = copy("truncated-shard");
        try (RandomAccessFile f = new RandomAccessFile(t.resolve("part-00000.seq").toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        m = checkFails(t);
        assertTrue(m.contains("part-00000.seq") && m.contains("truncated"), m);
    }

    @Test
    void classesNotMatchingTheManifestAreNamed() throws Exception {
        Path d = copy("bad-classes");
        Path classes = d.resolve("classes.tsv");
        List<String> lines = Files.readAllLines(classes);
        Files.writeString(classes, String.join("\n", lines.subList(0, lines.size() - 1)) + "\n7\textra\textra\n");
        String m = checkFails(d);
        assertTrue(m.contains("classes.tsv") && m.contains("out of range"), m);
    }

    @Test
    void damagedIndexFailsTheTaskInsteadOfDroppingEveryImage() throws Exception {
        Path d = copy("index-gone-later");
        PackedDataset.open(d.toString(), new Configuration()).close();
        Files.delete(d.resolve("index.bin"));
        ReplicaBatchLoader loader = ReplicaBatchLoader.forDataset(d.toString());
        PackedBatchSource source = new PackedBatchSource(d.toString(), 10, 1, 2, TinyNetwork.SIZE, ConfigLoader.defaults().augment(),
                1, false, org.inceptionspark.image.DecodeLimits.CEILING);
        Exception e = assertThrows(RuntimeException.class, () -> source.load(0, 0, 1));
        assertTrue(e.getMessage().contains("index.bin") && e.getMessage().contains("missing"), e.getMessage());
        assertFalse(loader.dataset().path().isEmpty());
    }

    @Test
    void stepLosingTooManyImagesStopsNamingTheFiles(@TempDir Path run) throws Exception {
        Path d = copy("zeroed-shard");
        long images = PackedDataset.open(d.toString(), new Configuration()).numImages();
        // same length, so the up-front check passes; every record of the shard is now unreadable
        Path shard = d.resolve("part-00000.seq");
        Files.write(shard, new byte[(int) Files.size(shard)]);
        UpdateRule rule = new UpdateRule(false, 4e-5, OptimizerConfig.ClipMode.GLOBAL_NORM, 2.0, true, 0.9999, true, false);
        PackedBatchSource data = new PackedBatchSource(d.toString(), images, 3, 8, TinyNetwork.SIZE, ConfigLoader.defaults().augment(),
                1, false, org.inceptionspark.image.DecodeLimits.CEILING);
        TrainingSetup setup = new TrainingSetup("damaged-run", TinyNetwork.graph(3), data, 2, 8, TinyNetwork.CLASSES, 0.1, 3,
                rule, new LearningRateSchedule(0.045, 0.94, 10, true), p -> new TfRmsProp(p, 0.9, 0.9, 1.0, 1.0), 4, 0, 0);
        RunOptions options = new RunOptions(run.toUri().toString(), 4, 1, 2, 2, 0, "inception { }", 0, 0.1, 0,
                java.util.Set.of());
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        SyncTrainer.DamagedDataException e = assertThrows(SyncTrainer.DamagedDataException.class,
                () -> new TrainingRun(sc, setup, options, null, new PrintStream(log, true, StandardCharsets.UTF_8)).run());
        assertTrue(e.getMessage().contains("step 1 could not read") && e.getMessage().contains("part-00000.seq")
                && e.getMessage().contains("max-skipped-fraction"), e.getMessage());
        // with the limit at 1 the same run trains on, and the progress line counts the skipped images
        RunOptions tolerant = new RunOptions(run.resolve("tolerant").toUri().toString(), 2, 1, 2, 2, 0, "inception { }", 0,
                1.0, 0, java.util.Set.of());
        ByteArrayOutputStream log2 = new ByteArrayOutputStream();
        TrainingSetup setup2 = new TrainingSetup("damaged-run-2", TinyNetwork.graph(3), data, 2, 8, TinyNetwork.CLASSES, 0.1,
                3, rule, new LearningRateSchedule(0.045, 0.94, 10, true), p -> new TfRmsProp(p, 0.9, 0.9, 1.0, 1.0), 2, 0, 0);
        new TrainingRun(sc, setup2, tolerant, null, new PrintStream(log2, true, StandardCharsets.UTF_8)).run();
        String printed = log2.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("images skipped so far"), printed);
        List<String> metrics = Files.readAllLines(run.resolve("tolerant").resolve("metrics.csv"));
        assertTrue(metrics.get(0).endsWith(",skipped_images"), metrics.get(0));
        assertTrue(metrics.stream().skip(1).anyMatch(l -> !l.endsWith(",0")), String.join("\n", metrics));
    }
}

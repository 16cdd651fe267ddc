package org.inceptionspark.driver.data;

import org.inceptionspark.config.ConfigLoader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.inceptionspark.config.AugmentConfig;
import org.inceptionspark.train.EpochPlan;
import org.inceptionspark.driver.SparkSettings;
import org.inceptionspark.driver.commands.PackCommand;
import org.inceptionspark.worker.data.BatchRequest;
import org.inceptionspark.worker.data.DecodedBatch;
import org.inceptionspark.worker.data.PackManifest;
import org.inceptionspark.worker.data.PackedBatchSource;
import org.inceptionspark.worker.data.PackedDataset;
import org.inceptionspark.worker.data.ReplicaBatchLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.inceptionspark.image.DecodeLimits;

/** `pack` on HDFS (MiniDFSCluster + Spark local[2]) of the committed real images plus every kind of bad file. */
class PackOnHdfsIT {
    private static MiniHdfs hdfsCluster;
    private static FileSystem fs;
    private static String hdfs;

    @BeforeAll
    static void startHdfs() throws Exception {
        hdfsCluster = MiniHdfs.start();
        fs = hdfsCluster.fs();
        hdfs = hdfsCluster.uri();
        fs.copyFromLocalFile(false, true, new Path(TestData.fashionSubset().toUri()), new Path("/src"));
        put("/src/03_dress/zero-bytes.jpg", new byte[0]);
        put("/src/03_dress/truncated.jpg", TestData.truncatedJpeg());
        put("/src/03_dress/not-an-image.jpg", "this is a text file, not a JPEG\n".getBytes(StandardCharsets.UTF_8));
        put("/src/03_dress/cmyk.jpg", TestData.cmykJpeg());
        put("/src/03_dress/huge.png", TestData.hugeDimensionPng());
        put("/src/03_dress/sixteen-bit.png", TestData.png16());
        put("/src/03_dress/real-rgb.jpg", TestData.realJpeg());
        fs.copyFromLocalFile(false, true, new Path(TestData.repoRoot().resolve("testdata/fashion-mnist-labels.tsv").toUri()),
                new Path("/src/labels.tsv"));
    }

    @AfterAll
    static void stopHdfs() {
        if (hdfsCluster != null) {
            hdfsCluster.close();
        }
    }

    private static void put(String path, byte[] bytes) throws Exception {
        try (OutputStream out = fs.create(new Path(path), true)) {
            out.write(bytes);
        }
    }

    @Test
    void packsRealImagesSkipsBadOnesAndReadsReplicaBatchesBack() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        int rc = new PackCommand(new PrintStream(printed, true, StandardCharsets.UTF_8)).run(new String[]{
                "--images", hdfs + "/src", "--out", hdfs + "/packed", "--shards", "3", "--val-fraction", "0.2",
                "--master", "local[2]"});
        String out = printed.toString(StandardCharsets.UTF_8);
        System.out.println(out);
        assertEquals(0, rc, out);

        PackedDataset train = PackedDataset.open(hdfs + "/packed/train", new Configuration());
        PackedDataset val = PackedDataset.open(hdfs + "/packed/val", new Configuration());
        // 200 real PNGs + the 16-bit PNG + the RGB JPEG are kept; 5 bad files are skipped.
        assertEquals(202, train.numImages() + val.numImages());
        assertEquals(10, train.numClasses());
        assertEquals("Ankle boot", train.classLabel(9));
        assertEquals("09_ankle_boot", train.className(9));
        PackManifest m = train.manifest();
        // Each split's manifest counts the files skipped from that split.
        assertEquals(5, m.skipped() + val.manifest().skipped());
        assertEquals(3, m.shards());
        for (PackManifest.ClassCount c : m.classes()) {
            long both = c.count() + val.manifest().classes().get(c.index()).count();
            assertEquals(c.index() == 3 ? 22 : 20, both, "images of " + c.name());
            assertTrue(c.count() >= 16, "train holds ~80% of " + c.name());
        }
        assertTrue(m.converted().get("grayscale") >= 150, m.converted().toString());
        assertTrue(m.converted().containsKey("16-bit"), m.converted().toString());
        assertTrue(out.contains("zero-bytes.jpg: empty file"), out);
        assertTrue(out.contains("truncated.jpg: corrupt or truncated jpeg"), out);
        assertTrue(out.contains("not-an-image.jpg: not a JPEG or PNG image"), out);
        assertTrue(out.contains("cmyk.jpg: CMYK/YCCK JPEG"), out);
        assertTrue(out.contains("huge.png: image dimensions 100000x100000 exceed the limit"), out);
        assertTrue(out.contains("02_pullover"), out);

        int size = 75;
        EpochPlan plan = new EpochPlan(7, train.numImages(), 2, 32);
        ReplicaBatchLoader loader = ReplicaBatchLoader.forDataset(hdfs + "/packed/train");
        long[] shard = plan.shard(0, 0, 1);
        BatchRequest first = BatchRequest.train(shard, 0, 7, size);
        loader.prefetch(first);
        DecodedBatch batch = loader.load(first);
        assertEquals(0, batch.skipped());
        assertEquals(32, batch.size());
        assertArrayEquals(new long[]{32, 3, size, size}, batch.features().shape());
        assertTrue(batch.features().minNumber().floatValue() >= -1f);
        assertTrue(batch.features().maxNumber().floatValue() <= 1f);
        assertTrue(batch.features().maxNumber().floatValue() - batch.features().minNumber().floatValue() > 1f,
                "real images have contrast");
        for (int i = 0; i < shard.length; i++) {
            assertEquals(train.label(shard[i]), batch.labels()[i]);
        }
        // Same (seed, epoch, image) -> same augmentation; another epoch -> different.
        INDArray again = ReplicaBatchLoader.forDataset(hdfs + "/packed/train").load(first).features();
        assertEquals(batch.features(), again);
        INDArray nextEpoch = loader.load(BatchRequest.train(shard, 1, 7, size)).features();
        assertTrue(!batch.features().equals(nextEpoch));

        // Every image of the epoch decodes: the pack-time gate let no bad file through.
        Set<Long> seen = new HashSet<>();
        for (long s = 0; s < plan.stepsPerEpoch(); s++) {
            for (int r = 0; r < 2; r++) {
                long[] ix = plan.shard(0, s, r);
                DecodedBatch b = loader.load(BatchRequest.eval(ix, 32));
                assertEquals(0, b.skipped(), b.skippedDetails().toString());
                for (long x : ix) {
                    seen.add(x);
                }
            }
        }
        assertEquals(train.numImages(), seen.size());

        // Executors read with the application's Hadoop configuration (SparkHadoopConf): fs.defaultFS is
        // set only as spark.hadoop.fs.defaultFS, so the scheme-less path is on HDFS only if the
        // replica's loader took Spark's keys; a bare new Configuration() looks on the local disk.
        assertTrue(!new File("/packed/train").exists());
        try (JavaSparkContext sc = new JavaSparkContext(SparkSettings.apply(new SparkConf().setMaster("local[1]")
                .setAppName("spark-hadoop-conf").set("spark.ui.enabled", "false").set("spark.hadoop.fs.defaultFS", hdfs)))) {
            PackedBatchSource source = new PackedBatchSource("/packed/train", train.numImages(), 7, 4, 32,
                    ConfigLoader.defaults().augment(), 1, false, DecodeLimits.CEILING);
            assertEquals(List.of(4L), sc.parallelize(List.of(0), 1).map(i -> source.load(0, 0, 1).features().size(0)).collect());
        }
    }

    @Test
    void wholeInputProblemsFailBeforeAnyWorkWithTheirPath() throws Exception {
        fs.mkdirs(new Path("/empty-class/cats"));
        fs.mkdirs(new Path("/empty-class/dogs"));
        put("/empty-class/cats/a.png", java.nio.file.Files.readAllBytes(TestData.fashionSubset().resolve("08_bag/00000.png")));
        assertError("class folder is empty: " + hdfs + "/empty-class/dogs", "--images", hdfs + "/empty-class",
                "--out", hdfs + "/out1", "--shards", "1");
        assertError("input path does not exist: " + hdfs + "/no/such/folder", "--images", hdfs + "/no/such/folder",
                "--out", hdfs + "/out2", "--shards", "1");
        long t0 = System.nanoTime();
        assertError("cannot reach the file system of hdfs://localhost:1/images", "--images", "hdfs://localhost:1/images",
                "--out", hdfs + "/out3", "--shards", "1");
        assertTrue(System.nanoTime() - t0 < 30e9, "unreachable namenode reported within 30 s");
        assertTrue(!fs.exists(new Path("/out1")) && !fs.exists(new Path("/out2")) && !fs.exists(new Path("/out3")));
    }

    private static void assertError(String expected, String... argv) throws Exception {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = org.inceptionspark.driver.Main.run("pack", new PackCommand(new PrintStream(OutputStream.nullOutputStream())), argv,
                    System.err);
        } finally {
            System.setErr(err);
        }
        String msg = captured.toString(StandardCharsets.UTF_8);
        assertEquals(2, rc, msg);
        assertTrue(msg.contains(expected), "expected '" + expected + "' in: " + msg);
    }
}

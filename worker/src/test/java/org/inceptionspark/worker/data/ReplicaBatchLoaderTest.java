package org.inceptionspark.worker.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.inceptionspark.image.ImageRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.inceptionspark.image.DecodeLimits;

/** A shard damaged after packing costs a step one image, never the step. Local file system, real images. */
class ReplicaBatchLoaderTest {

    @AfterEach
    void clear() {
        ReplicaBatchLoader.clearCache();
    }

    /** Packs four real sandal images into one shard of a dataset in {@code dir}. */
    private static ShardResult packFour(Path dir, Configuration conf) throws Exception {
        String out = dir.toUri().toString();
        Path src = Paths.get(System.getProperty("inception.repo.root", "..")).resolve("testdata/fashion-mnist-20/05_sandal");
        List<SourceImage> images = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Path p = src.resolve(String.format("%05d.png", i));
            images.add(new SourceImage(p.toUri().toString(), "05_sandal/" + p.getFileName(), 0,
                    ImageRecord.idOf("05_sandal/" + p.getFileName())));
        }
        ShardResult r = new ShardPacker(DecodeLimits.CEILING).pack(0, images, out, conf);
        assertEquals(4, r.entries().size());
        FileSystem fs = FileSystem.getLocal(conf);
        PackedDataset.writeIndex(fs, new org.apache.hadoop.fs.Path(out, PackLayout.INDEX), r.entries());
        Files.writeString(dir.resolve(PackLayout.CLASSES), "0\t05_sandal\tSandal\n", StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(PackLayout.MANIFEST), new PackManifest(PackManifest.FORMAT, "all", "test", 4, 1, 1,
                List.of(new PackManifest.ClassCount(0, "05_sandal", "Sandal", 4)), 0, Map.of(), Map.of(), 0).toJson());
        return r;
    }

    /** The loader of a fresh dataset of four real images, decoding on two threads. */
    private static ReplicaBatchLoader loaderOfFour() throws Exception {
        Path dir = Files.createTempDirectory("packed");
        Configuration conf = new Configuration();
        packFour(dir, conf);
        return ReplicaBatchLoader.forDataset(dir.toUri().toString(), conf, 2);
    }

    @Test
    void corruptRecordIsSkippedAndCountedNotThrown() throws Exception {
        Path dir = Files.createTempDirectory("packed");
        String out = dir.toUri().toString();
        Configuration conf = new Configuration();
        ShardResult r = packFour(dir, conf);
        // Overwrite the middle of image 2's PNG bytes inside the shard (and drop the checksum file).
        IndexEntry victim = r.entries().get(2);
        Files.deleteIfExists(dir.resolve(".part-00000.seq.crc"));
        try (RandomAccessFile raf = new RandomAccessFile(dir.resolve("part-00000.seq").toFile(), "rw")) {
            raf.seek(victim.recordStart() + ShardPacker.RECORD_HEADER_BYTES + victim.payloadLength() - 120);
            raf.write(new byte[100]);
        }
        ReplicaBatchLoader loader = ReplicaBatchLoader.forDataset(out, conf, 2);
        DecodedBatch b = loader.load(BatchRequest.train(new long[]{0, 1, 2, 3}, 0, 1, 40));
        assertEquals(1, b.skipped(), b.skippedDetails().toString());
        assertTrue(b.skippedDetails().get(0).startsWith("image 2 of "), b.skippedDetails().toString());
        assertArrayEquals(new long[]{3, 3, 40, 40}, b.features().shape());
        assertArrayEquals(new long[]{0, 1, 3}, b.globalIndices());
    }

    /** Several replicas in one JVM (local mode, a task of several replicas) each find their own prefetched shard. */
    @Test
    void prefetchesOfSeveralReplicasAreAllKept() throws Exception {
        ReplicaBatchLoader loader = loaderOfFour();
        BatchRequest first = BatchRequest.train(new long[]{0, 1}, 0, 1, 40);
        BatchRequest second = BatchRequest.train(new long[]{2, 3}, 0, 1, 40);
        loader.prefetch(first);
        loader.prefetch(second);
        assertEquals(2, loader.pendingCount());
        DecodedBatch a = loader.load(first);
        assertEquals(1, loader.pendingCount(), "the first replica's load leaves the second's prefetch in place");
        DecodedBatch b = loader.load(second);
        assertEquals(0, loader.pendingCount());
        assertArrayEquals(loader.decode(first).features().dup().reshape(-1).toFloatVector(), a.features().dup().reshape(-1).toFloatVector());
        assertArrayEquals(loader.decode(second).features().dup().reshape(-1).toFloatVector(), b.features().dup().reshape(-1).toFloatVector());
        for (int i = 0; i < ReplicaBatchLoader.MAX_PENDING + 3; i++) {
            loader.prefetch(BatchRequest.train(new long[]{i % 4}, i, 1, 40));
        }
        assertEquals(ReplicaBatchLoader.MAX_PENDING, loader.pendingCount(), "shards nobody picks up are dropped, oldest first");
    }

    @Test
    void theConfiguredLimitIsCheckedAgainWhenTraining() throws Exception {
        ReplicaBatchLoader loader = loaderOfFour();
        DecodedBatch b = loader.load(BatchRequest.train(new long[]{0, 1}, 0, 1, 40).withLimits(new DecodeLimits(783, 28)));
        assertEquals(2, b.skipped());
        assertTrue(b.skippedDetails().get(0).contains("image dimensions 28x28 exceed the limit (max 783 pixels"),
                b.skippedDetails().toString());
        assertEquals(2, loader.load(BatchRequest.train(new long[]{0, 1}, 0, 1, 40).withLimits(new DecodeLimits(784, 28))).size());
    }

    /**
     * A real out-of-memory while decoding (a JVM whose heap cannot hold a 6000x6000 image) fails the
     * load, saying so and naming the image; it is not passed off as one skipped image.
     */
    @Test
    void outOfMemoryWhileDecodingIsReportedNotSkipped() throws Exception {
        Path dir = Files.createTempDirectory("packed-large");
        Path png = dir.resolve("large.png");
        ImageIO.write(new BufferedImage(6000, 6000, BufferedImage.TYPE_BYTE_GRAY), "png", png.toFile());
        Configuration conf = new Configuration();
        String out = dir.resolve("data").toUri().toString();
        ShardResult r = new ShardPacker(DecodeLimits.CEILING).pack(0,
                List.of(new SourceImage(png.toUri().toString(), "large.png", 0, 1L)), out, conf);
        assertEquals(1, r.entries().size(), r.skipped().toString());
        FileSystem fs = FileSystem.getLocal(conf);
        PackedDataset.writeIndex(fs, new org.apache.hadoop.fs.Path(out, PackLayout.INDEX), r.entries());
        Files.writeString(dir.resolve("data").resolve(PackLayout.CLASSES), "0\tlarge\tLarge\n", StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("data").resolve(PackLayout.MANIFEST), new PackManifest(PackManifest.FORMAT, "all", "test",
                1, 1, 1, List.of(new PackManifest.ClassCount(0, "large", "Large", 1)), 0, Map.of(), Map.of(), 0).toJson());

        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
                "-cp", System.getProperty("java.class.path"), DecodeInSmallHeap.class.getName(), out)
                .redirectErrorStream(true).start();
        String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertTrue(p.exitValue() != 0, printed);
        assertTrue(printed.contains("java.lang.OutOfMemoryError: out of memory decoding image 0 of " + out), printed);
        assertFalse(printed.contains("returned:"), printed);
    }
}

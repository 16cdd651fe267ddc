package org.inceptionspark.worker.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.inceptionspark.common.data.ImageRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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
        ShardResult r = new ShardPacker(100_000_000L, 20_000).pack(0, images, out, conf);
        assertEquals(4, r.entries().size());
        FileSystem fs = FileSystem.getLocal(conf);
        PackedDataset.writeIndex(fs, new org.apache.hadoop.fs.Path(out, PackLayout.INDEX), r.entries());
        Files.writeString(dir.resolve(PackLayout.CLASSES), "0\t05_sandal\tSandal\n", StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(PackLayout.MANIFEST), new PackManifest(PackManifest.FORMAT, "all", "test", 4, 1, 1,
                List.of(new PackManifest.ClassCount(0, "05_sandal", "Sandal", 4)), 0, Map.of(), Map.of(), 0).toJson());
        return r;
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
        Path dir = Files.createTempDirectory("packed");
        Configuration conf = new Configuration();
        packFour(dir, conf);
        ReplicaBatchLoader loader = ReplicaBatchLoader.forDataset(dir.toUri().toString(), conf, 2);
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
}

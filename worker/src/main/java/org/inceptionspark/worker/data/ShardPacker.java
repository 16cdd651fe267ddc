package org.inceptionspark.worker.data;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.BytesWritable;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.SequenceFile;
import org.inceptionspark.image.DecodeLimits;
import org.inceptionspark.image.ImageInspector;
import org.inceptionspark.image.ImageRecord;
import org.inceptionspark.image.Inspection;

/**
 * Runs on an executor: reads one shard's source files, checks each with {@link ImageInspector} and
 * appends the accepted ones to one SequenceFile. Rewriting the shard from scratch makes a retried
 * task harmless.
 */
public final class ShardPacker {
    /** Bytes of a record before its ImageRecord payload: recordLength, keyLength, long key, BytesWritable size. */
    static final int RECORD_HEADER_BYTES = 4 + 4 + 8 + 4;
    private static final long MAX_FILE_BYTES = 256L << 20;

    private final ImageInspector inspector;

    public ShardPacker(DecodeLimits limits) {
        this.inspector = new ImageInspector(limits);
    }

    public ShardResult pack(int shard, List<SourceImage> images, String outDir, Configuration conf) throws IOException {
        Path out = PackLayout.shard(outDir, shard);
        List<IndexEntry> entries = new ArrayList<>();
        List<SkippedFile> skipped = new ArrayList<>();
        Map<String, Long> conversions = new TreeMap<>();
        try (SequenceFile.Writer writer = SequenceFile.createWriter(conf, SequenceFile.Writer.file(out),
                SequenceFile.Writer.keyClass(LongWritable.class), SequenceFile.Writer.valueClass(BytesWritable.class),
                SequenceFile.Writer.compression(SequenceFile.CompressionType.NONE))) {
            LongWritable key = new LongWritable();
            BytesWritable value = new BytesWritable();
            for (SourceImage img : images) {
                byte[] bytes;
                try {
                    bytes = readSource(img, conf);
                } catch (FileNotFoundException e) {
                    skipped.add(new SkippedFile(img.uri(), "file does not exist"));
                    continue;
                } catch (IOException e) {
                    skipped.add(new SkippedFile(img.uri(), "unreadable: " + e.getMessage()));
                    continue;
                }
                if (bytes == null) {
                    skipped.add(new SkippedFile(img.uri(), "file larger than " + (MAX_FILE_BYTES >> 20) + " MiB"));
                    continue;
                }
                Inspection verdict;
                try {
                    verdict = inspector.inspect(bytes);
                } catch (OutOfMemoryError e) {
                    throw DecodeLimits.outOfMemory(img.uri(), e);
                }
                if (!verdict.accepted()) {
                    skipped.add(new SkippedFile(img.uri(), verdict.reason()));
                    continue;
                }
                if (verdict.conversion() != null) {
                    conversions.merge(verdict.conversion(), 1L, Long::sum);
                }
                byte[] payload = new ImageRecord(img.label(), img.imageId(), img.relativePath(), bytes).toBytes();
                key.set(img.imageId());
                value.set(payload, 0, payload.length);
                writer.append(key, value);
                // The writer may put a sync marker before a record, so the start is computed from the end.
                long recordStart = writer.getLength() - RECORD_HEADER_BYTES - payload.length;
                entries.add(new IndexEntry(shard, recordStart, payload.length, img.label(), img.imageId()));
            }
        }
        return new ShardResult(shard, entries, skipped, conversions);
    }

    /** The file's bytes, or null when it is too large to be an image worth packing. */
    private static byte[] readSource(SourceImage img, Configuration conf) throws IOException {
        Path p = new Path(img.uri());
        FileSystem fs = p.getFileSystem(conf);
        FileStatus st = fs.getFileStatus(p);
        if (st.getLen() > MAX_FILE_BYTES) {
            return null;
        }
        byte[] bytes = new byte[(int) st.getLen()];
        try (FSDataInputStream in = fs.open(p)) {
            in.readFully(0, bytes);
        }
        return bytes;
    }
}

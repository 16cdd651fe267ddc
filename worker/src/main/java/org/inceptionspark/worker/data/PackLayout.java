package org.inceptionspark.worker.data;

import org.apache.hadoop.fs.Path;

/**
 * File names of a packed dataset directory.
 * <pre>
 * manifest.json   counts, classes, skipped files by reason; written last, so its presence means complete
 * classes.tsv     index TAB folder-name TAB human-readable label
 * index.bin       "ISPIDX01", long count, then per global index: int shard, long recordStart,
 *                 int payloadLength, int label, long imageId (28 bytes, big-endian)
 * part-NNNNN.seq  uncompressed Hadoop SequenceFile&lt;LongWritable imageId, BytesWritable ImageRecord&gt;
 * </pre>
 * The shards are ordinary SequenceFiles (splittable, readable by any Hadoop tool); the index makes
 * reading any image by global index a single positioned read, so a step's 32 random images cost
 * 32 preads and no scans. Global index order is shard order, then record order within a shard.
 */
public final class PackLayout {
    public static final String MANIFEST = "manifest.json";
    public static final String CLASSES = "classes.tsv";
    public static final String INDEX = "index.bin";
    static final byte[] INDEX_MAGIC = {'I', 'S', 'P', 'I', 'D', 'X', '0', '1'};
    static final int INDEX_ENTRY_BYTES = 28;

    private PackLayout() {
    }

    public static String shardName(int shard) {
        return String.format("part-%05d.seq", shard);
    }

    public static Path shard(String dir, int shard) {
        return new Path(dir, shardName(shard));
    }
}

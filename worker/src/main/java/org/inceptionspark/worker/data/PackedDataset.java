package org.inceptionspark.worker.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.inceptionspark.image.ImageRecord;

/**
 * A dataset written by `pack` (layout in {@link PackLayout}). Opening reads only the manifest and
 * class list; the index (28 bytes per image, ~36 MB for ImageNet) is loaded by {@link #loadIndex}
 * or the first image access, and shard streams stay open, so an executor pays both once.
 * {@link #verify} checks every file against the manifest before a run starts. Thread-safe.
 */
public final class PackedDataset implements AutoCloseable {
    private final String path;
    private final FileSystem fs;
    private final PackManifest manifest;
    private final String[] classNames;
    private final String[] classLabels;
    private volatile Index index;
    private final FSDataInputStream[] shardStreams;

    private PackedDataset(String path, FileSystem fs, PackManifest manifest, String[] names, String[] labels) {
        this.path = path;
        this.fs = fs;
        this.manifest = manifest;
        this.classNames = names;
        this.classLabels = labels;
        this.shardStreams = new FSDataInputStream[manifest.shards()];
    }

    public static PackedDataset open(String path, Configuration conf) throws IOException {
        Path dir = new Path(path);
        FileSystem fs = dir.getFileSystem(conf);
        Path manifestPath = new Path(dir, PackLayout.MANIFEST);
        if (!fs.exists(manifestPath)) {
            throw new IOException("not a packed dataset (no " + PackLayout.MANIFEST + "): " + path
                    + "; create one with `inception-spark pack`");
        }
        PackManifest manifest;
        try {
            manifest = PackManifest.fromJson(readText(fs, manifestPath));
        } catch (IOException e) {
            throw new IOException(manifestPath + " cannot be read: " + e.getMessage(), e);
        }
        String[] names = new String[manifest.numClasses()];
        String[] labels = new String[manifest.numClasses()];
        Path classesPath = new Path(dir, PackLayout.CLASSES);
        if (!fs.exists(classesPath)) {
            throw new IOException(classesPath + " is missing: repack the dataset");
        }
        int lineNo = 0;
        for (String line : readText(fs, classesPath).split("\n")) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t", -1);
            int i;
            try {
                i = Integer.parseInt(f[0]);
            } catch (NumberFormatException e) {
                throw new IOException(classesPath + " line " + lineNo + ": '" + f[0] + "' is not a class index");
            }
            if (f.length < 2 || i < 0 || i >= names.length || names[i] != null) {
                throw new IOException(classesPath + " line " + lineNo + " does not match " + manifestPath + " ("
                        + manifest.numClasses() + " classes): "
                        + (f.length < 2 ? "no class name" : names.length > i && i >= 0 ? "class " + i + " listed twice"
                        : "class index " + i + " out of range"));
            }
            names[i] = f[1];
            labels[i] = f.length > 2 ? f[2] : f[1];
        }
        for (int i = 0; i < names.length; i++) {
            if (names[i] == null) {
                throw new IOException(classesPath + " does not match " + manifestPath + ": class " + i + " of "
                        + manifest.numClasses() + " is not listed");
            }
        }
        return new PackedDataset(path, fs, manifest, names, labels);
    }

    public String path() {
        return path;
    }

    public PackManifest manifest() {
        return manifest;
    }

    public long numImages() {
        return manifest.numImages();
    }

    public int numClasses() {
        return manifest.numClasses();
    }

    /** The class folder name (or listing label) of class {@code i}. */
    public String className(int i) {
        return classNames[i];
    }

    /** The human-readable label of class {@code i}; the folder name when none was given. */
    public String classLabel(int i) {
        return classLabels[i];
    }

    public int label(long globalIndex) throws IOException {
        return index().labels[checked(globalIndex)];
    }

    public long imageId(long globalIndex) throws IOException {
        return index().imageIds[checked(globalIndex)];
    }

    /** Reads one image by global index with a single positioned read of its shard. */
    public ImageRecord read(long globalIndex) throws IOException {
        Index idx = index();
        int i = checked(globalIndex);
        int shard = idx.shards[i];
        int len = idx.lengths[i];
        byte[] buf = new byte[ShardPacker.RECORD_HEADER_BYTES + len];
        stream(shard).readFully(idx.starts[i], buf, 0, buf.length);
        int recordLength = readInt(buf, 0);
        long key = readLong(buf, 8);
        if (recordLength != 8 + 4 + len || key != idx.imageIds[i]) {
            throw new IOException("index does not match shard " + PackLayout.shardName(shard) + " of " + path
                    + " at image " + globalIndex + ": repack the dataset");
        }
        return ImageRecord.fromBytes(buf, ShardPacker.RECORD_HEADER_BYTES, len);
    }

    private int checked(long globalIndex) {
        if (globalIndex < 0 || globalIndex >= manifest.numImages()) {
            throw new IndexOutOfBoundsException("image " + globalIndex + " of " + manifest.numImages() + " in " + path);
        }
        return (int) globalIndex;
    }

    /**
     * Loads the index now (a no-op once loaded). Readers call it before their per-image error
     * handling, so a missing or damaged index fails the task instead of dropping every image.
     */
    public void loadIndex() throws IOException {
        index();
    }

    /**
     * Checks the dataset against its manifest before anything trains on it: the index's size and
     * entries, each shard's presence and length, labels and per-class counts. Every failure names
     * the file.
     */
    public void verify() throws IOException {
        Index idx = index();
        Path indexPath = new Path(path, PackLayout.INDEX);
        long[] shardLength = new long[manifest.shards()];
        for (int s = 0; s < shardLength.length; s++) {
            Path shard = PackLayout.shard(path, s);
            if (!fs.exists(shard)) {
                throw new IOException("shard " + shard + " is missing (the manifest lists " + manifest.shards() + " shards)");
            }
            shardLength[s] = fs.getFileStatus(shard).getLen();
        }
        long[] perClass = new long[manifest.numClasses()];
        for (int i = 0; i < idx.shards.length; i++) {
            int s = idx.shards[i];
            if (s < 0 || s >= shardLength.length) {
                throw new IOException(indexPath + ": image " + i + " is in shard " + s + " but the manifest lists "
                        + shardLength.length + " shards");
            }
            long end = idx.starts[i] + ShardPacker.RECORD_HEADER_BYTES + (long) idx.lengths[i];
            if (idx.starts[i] < 0 || idx.lengths[i] < 0 || end > shardLength[s]) {
                throw new IOException("shard " + PackLayout.shard(path, s) + " is " + shardLength[s] + " bytes but "
                        + indexPath + " places image " + i + " at bytes " + idx.starts[i] + ".." + end
                        + ": the shard is truncated or the index belongs to another packing");
            }
            int label = idx.labels[i];
            if (label < 0 || label >= perClass.length) {
                throw new IOException(indexPath + ": image " + i + " has label " + label + " but the manifest has "
                        + perClass.length + " classes");
            }
            perClass[label]++;
        }
        for (PackManifest.ClassCount c : manifest.classes()) {
            if (c.index() >= 0 && c.index() < perClass.length && perClass[c.index()] != c.count()) {
                throw new IOException(indexPath + " holds " + perClass[c.index()] + " images of class " + c.index()
                        + " (" + c.name() + ") but the manifest says " + c.count());
            }
        }
    }

    private FSDataInputStream stream(int shard) throws IOException {
        synchronized (shardStreams) {
            if (shardStreams[shard] == null) {
                shardStreams[shard] = fs.open(PackLayout.shard(path, shard));
            }
            return shardStreams[shard];
        }
    }

    private Index index() throws IOException {
        Index idx = index;
        if (idx == null) {
            synchronized (this) {
                if (index == null) {
                    index = Index.load(fs, new Path(path, PackLayout.INDEX), manifest.numImages());
                }
                idx = index;
            }
        }
        return idx;
    }

    @Override
    public void close() throws IOException {
        synchronized (shardStreams) {
            for (int i = 0; i < shardStreams.length; i++) {
                if (shardStreams[i] != null) {
                    shardStreams[i].close();
                    shardStreams[i] = null;
                }
            }
        }
    }

    /** index.bin as columns: primitive arrays keep ImageNet's 1.28M entries at ~36 MB with no object headers. */
    private static final class Index {
        final int[] shards;
        final long[] starts;
        final int[] lengths;
        final int[] labels;
        final long[] imageIds;

        private Index(int n) {
            shards = new int[n];
            starts = new long[n];
            lengths = new int[n];
            labels = new int[n];
            imageIds = new long[n];
        }

        static Index load(FileSystem fs, Path file, long expected) throws IOException {
            if (!fs.exists(file)) {
                throw new IOException("index " + file + " is missing: repack the dataset");
            }
            long header = PackLayout.INDEX_MAGIC.length + 8L;
            long length = fs.getFileStatus(file).getLen();
            if (length < header) {
                throw new IOException("index " + file + " is truncated: " + length + " bytes, not even a header");
            }
            // sizes checked before anything is allocated: a damaged count must not allocate gigabytes
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(fs.open(file), 1 << 20))) {
                byte[] magic = new byte[PackLayout.INDEX_MAGIC.length];
                in.readFully(magic);
                if (!Arrays.equals(magic, PackLayout.INDEX_MAGIC)) {
                    throw new IOException("not a packed-dataset index: " + file);
                }
                long n = in.readLong();
                if (n != expected) {
                    throw new IOException("index " + file + " holds " + n + " images but the manifest says " + expected);
                }
                long wanted = header + n * PackLayout.INDEX_ENTRY_BYTES;
                if (length != wanted) {
                    throw new IOException("index " + file + " is " + (length < wanted ? "truncated" : "too long") + ": "
                            + length + " bytes, expected " + wanted + " for " + n + " images");
                }
                Index idx = new Index((int) n);
                for (int i = 0; i < n; i++) {
                    idx.shards[i] = in.readInt();
                    idx.starts[i] = in.readLong();
                    idx.lengths[i] = in.readInt();
                    idx.labels[i] = in.readInt();
                    idx.imageIds[i] = in.readLong();
                }
                return idx;
            }
        }
    }

    /** Writes index.bin from entries already in global-index order. */
    public static void writeIndex(FileSystem fs, Path file, List<IndexEntry> entries) throws IOException {
        try (var out = new java.io.DataOutputStream(new java.io.BufferedOutputStream(fs.create(file, true), 1 << 20))) {
            out.write(PackLayout.INDEX_MAGIC);
            out.writeLong(entries.size());
            for (IndexEntry e : entries) {
                out.writeInt(e.shard());
                out.writeLong(e.recordStart());
                out.writeInt(e.payloadLength());
                out.writeInt(e.label());
                out.writeLong(e.imageId());
            }
        }
    }

    static String readText(FileSystem fs, Path p) throws IOException {
        try (InputStream in = fs.open(p)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static int readInt(byte[] b, int o) {
        return ((b[o] & 0xFF) << 24) | ((b[o + 1] & 0xFF) << 16) | ((b[o + 2] & 0xFF) << 8) | (b[o + 3] & 0xFF);
    }

    private static long readLong(byte[] b, int o) {
        return ((long) readInt(b, o) << 32) | (readInt(b, o + 4) & 0xFFFFFFFFL);
    }

}

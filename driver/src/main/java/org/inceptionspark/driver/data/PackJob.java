package org.inceptionspark.driver.data;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.inceptionspark.worker.data.IndexEntry;
import org.inceptionspark.worker.data.PackLayout;
import org.inceptionspark.worker.data.PackManifest;
import org.inceptionspark.worker.data.PackedDataset;
import org.inceptionspark.worker.data.ShardPacker;
import org.inceptionspark.worker.data.ShardInput;
import org.inceptionspark.worker.data.ShardResult;
import org.inceptionspark.worker.data.SkippedFile;
import org.inceptionspark.worker.data.SourceImage;
import org.inceptionspark.worker.SparkHadoopConf;
import org.inceptionspark.image.DecodeLimits;

/**
 * The Spark side of `pack`: one task per shard reads, checks and writes its images
 * ({@link ShardPacker}); the driver then numbers the accepted images in shard order and writes the
 * index, the class list and, last, the manifest.
 */
public final class PackJob {
    private final JavaSparkContext sc;
    private final DecodeLimits limits;

    public PackJob(JavaSparkContext sc, DecodeLimits limits) {
        this.sc = sc;
        this.limits = limits;
    }

    /** Packs one split into {@code dir}; {@code listingSkips} are files the listing already rejected. */
    public PackOutcome packSplit(SourceListing listing, List<SourceImage> images, String split, String dir,
                                  int shards, double valFraction, String source, List<SkippedFile> listingSkips,
                                  FileSystem fs) throws IOException {
        int n = Math.max(1, Math.min(shards, images.size()));
        List<ShardInput> inputs = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            int from = (int) ((long) images.size() * s / n);
            int to = (int) ((long) images.size() * (s + 1) / n);
            inputs.add(new ShardInput(s, new ArrayList<>(images.subList(from, to))));
        }
        fs.mkdirs(new Path(dir));
        DecodeLimits limits = this.limits;
        List<ShardResult> results = new ArrayList<>(sc.parallelize(inputs, n).map(in -> {
            try {
                return new ShardPacker(limits).pack(in.shard(), in.images(), dir, SparkHadoopConf.current());
            } catch (IOException e) {
                throw new UncheckedIOException("writing shard " + in.shard() + " of " + dir, e);
            }
        }).collect());
        results.sort(Comparator.comparingInt(ShardResult::shard));

        List<IndexEntry> entries = new ArrayList<>();
        List<SkippedFile> skipped = new ArrayList<>(listingSkips);
        Map<String, Long> converted = new TreeMap<>();
        for (ShardResult r : results) {
            entries.addAll(r.entries());
            skipped.addAll(r.skipped());
            r.conversions().forEach((k, v) -> converted.merge(k, v, Long::sum));
        }
        long[] counts = new long[listing.classNames().size()];
        entries.forEach(e -> counts[e.label()]++);
        List<PackManifest.ClassCount> classes = new ArrayList<>();
        StringBuilder tsv = new StringBuilder();
        for (int c = 0; c < counts.length; c++) {
            String name = listing.classNames().get(c);
            classes.add(new PackManifest.ClassCount(c, name, listing.labelOf(name), counts[c]));
            tsv.append(c).append('\t').append(name).append('\t').append(listing.labelOf(name)).append('\n');
        }
        Map<String, Long> byReason = new TreeMap<>();
        skipped.forEach(s -> byReason.merge(s.category(), 1L, Long::sum));
        PackManifest manifest = new PackManifest(PackManifest.FORMAT, split, source, entries.size(), counts.length, n,
                classes, skipped.size(), byReason, converted, valFraction);

        PackedDataset.writeIndex(fs, new Path(dir, PackLayout.INDEX), entries);
        write(fs, new Path(dir, PackLayout.CLASSES), tsv.toString());
        write(fs, new Path(dir, "skipped.tsv"), skippedTsv(skipped));
        write(fs, new Path(dir, PackLayout.MANIFEST), manifest.toJson());
        return new PackOutcome(manifest, skipped);
    }

    /** The manifest and the skipped files, for printing. */
    public record PackOutcome(PackManifest manifest, List<SkippedFile> skipped) {
    }

    private static String skippedTsv(List<SkippedFile> skipped) {
        StringBuilder sb = new StringBuilder();
        skipped.forEach(s -> sb.append(s.path()).append('\t').append(s.reason()).append('\n'));
        return sb.toString();
    }

    private static void write(FileSystem fs, Path p, String text) throws IOException {
        try (OutputStream out = fs.create(p, true)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }
}

package org.inceptionspark.driver.commands;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.inceptionspark.driver.cli.CliArgs;
import org.inceptionspark.driver.data.HadoopPreflight;
import org.inceptionspark.driver.data.PackJob;
import org.inceptionspark.driver.data.PackSplit;
import org.inceptionspark.driver.data.SourceListing;
import org.inceptionspark.worker.data.PackManifest;
import org.inceptionspark.worker.data.SkippedFile;
import org.inceptionspark.worker.data.SourceImage;
import org.inceptionspark.worker.SparkHadoopConf;

/**
 * {@code pack --images SRC --out DST --shards N [--val-fraction F] [--labels FILE] [--master M] [--overwrite]
 * [--allow-outside-root] [--follow-links]}: packs a class-folder tree or a {@code path,label} CSV/TSV
 * listing into SequenceFile shards, staying inside SRC unless the two flags say otherwise
 * ({@link SourceListing.Scope}).
 * Without --val-fraction DST is the packed dataset; with it, DST/train and DST/val. Every input
 * problem that concerns the whole input is reported before Spark starts.
 */
public final class PackCommand implements Command {
    private final PrintStream out;

    public PackCommand() {
        this(System.out);
    }

    public PackCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public int run(String[] argv) throws Exception {
        return pack(argv);
    }

    private int pack(String[] argv) throws Exception {
        CliArgs args = CliArgs.parse(argv, Set.of("images", "out", "shards", "val-fraction", "labels", "master",
                        org.inceptionspark.driver.cli.ConfigArgs.OPTION),
                Set.of("overwrite", "allow-outside-root", "follow-links"));
        String src = args.require("images");
        String dst = args.require("out");
        int shards = args.intOption("shards", 0);
        if (shards <= 0) {
            throw new IllegalArgumentException("--shards must be a positive integer");
        }
        double valFraction = args.doubleOption("val-fraction", 0);
        if (valFraction < 0 || valFraction >= 1) {
            throw new IllegalArgumentException("--val-fraction must be in [0, 1), got " + valFraction);
        }
        org.inceptionspark.config.InceptionConfig conf = org.inceptionspark.config.ConfigLoader.load(
                args.option(org.inceptionspark.driver.cli.ConfigArgs.OPTION).map(java.nio.file.Path::of).orElse(null),
                args.overrides()).config();
        Configuration hadoop = SparkHadoopConf.current();

        // Everything that can make the whole job pointless is checked here, before Spark starts.
        SourceListing listing;
        try (FileSystem srcFs = HadoopPreflight.reachable(src, hadoop);
             FileSystem dstFs = HadoopPreflight.reachable(dst, hadoop)) {
            Map<String, String> labels = readLabels(srcFs, src, args.option("labels").orElse(null), hadoop);
            listing = SourceListing.scan(srcFs, srcFs.makeQualified(new Path(src)), labels,
                    new SourceListing.Scope(args.flag("allow-outside-root"), args.flag("follow-links")));
            Path dstPath = dstFs.makeQualified(new Path(dst));
            if (dstFs.exists(dstPath) && dstFs.listStatus(dstPath).length > 0) {
                if (!args.flag("overwrite")) {
                    throw new IllegalArgumentException("output exists and is not empty: " + dstPath + " (add --overwrite)");
                }
                dstFs.delete(dstPath, true);
            }
            dst = dstPath.toString();
        }
        out.printf("pack: %d candidate files in %d classes from %s%n", listing.images().size(),
                listing.classNames().size(), src);

        try (JavaSparkContext sc = org.inceptionspark.driver.SparkContexts.create("pack", conf, args.option("master"))) {
            sc.setLogLevel("WARN");
            PackJob job = new PackJob(sc, conf.data().decodeLimits());
            // The JVM-wide cached instance: closing it would break every later user in this JVM.
            FileSystem fs = new Path(dst).getFileSystem(hadoop);
            if (valFraction > 0) {
                List<List<SourceImage>> split = PackSplit.split(listing.images(), listing.classNames().size(),
                        valFraction);
                report(job.packSplit(listing, split.get(0), "train", dst + "/train", shards, valFraction, src,
                        listing.skipped(), fs));
                int valShards = Math.max(1, (int) Math.round(shards * valFraction));
                report(job.packSplit(listing, split.get(1), "val", dst + "/val", valShards, valFraction, src,
                        List.of(), fs));
            } else {
                report(job.packSplit(listing, listing.images(), "all", dst, shards, 0, src, listing.skipped(), fs));
            }
        }
        return 0;
    }

    private void report(PackJob.PackOutcome outcome) {
        PackManifest m = outcome.manifest();
        out.printf("%n[%s] %d images, %d classes, %d shards%n", m.split(), m.numImages(), m.numClasses(), m.shards());
        out.printf("  %5s  %-28s %-20s %8s%n", "index", "class", "label", "images");
        for (PackManifest.ClassCount c : m.classes()) {
            out.printf("  %5d  %-28s %-20s %8d%n", c.index(), c.name(), c.label(), c.count());
        }
        if (!m.converted().isEmpty()) {
            out.println("  converted to 8-bit RGB at decode time: " + m.converted());
        }
        out.printf("  skipped: %d%n", m.skipped());
        for (SkippedFile s : outcome.skipped()) {
            out.printf("    SKIPPED %s: %s%n", s.path(), s.reason());
        }
    }

    /** --labels FILE, else SRC/labels.tsv if present: lines of "class-name TAB human-readable label". */
    private static Map<String, String> readLabels(FileSystem srcFs, String src, String labelsFile, Configuration hadoop)
            throws IOException {
        Path p = labelsFile != null ? new Path(labelsFile) : new Path(src, "labels.tsv");
        FileSystem fs = labelsFile != null ? p.getFileSystem(hadoop) : srcFs;
        Map<String, String> labels = new LinkedHashMap<>();
        if (!fs.exists(p) || fs.getFileStatus(p).isDirectory()) {
            if (labelsFile != null) {
                throw new IllegalArgumentException("labels file does not exist: " + labelsFile);
            }
            return labels;
        }
        try (var in = fs.open(p)) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\r?\n")) {
                String[] f = line.split("\t");
                if (f.length >= 2) {
                    labels.put(f[0].strip(), f[1].strip());
                }
            }
        }
        return labels;
    }
}

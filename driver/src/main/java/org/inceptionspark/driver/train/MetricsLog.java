package org.inceptionspark.driver.train;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

/**
 * The run's per-step figures, kept on the driver and rewritten as {@code metrics.csv} in the run
 * directory (atomically: temp file then rename) at every progress line, evaluation and checkpoint,
 * so a crash at any moment leaves a complete file. A resumed run keeps the rows up to its
 * checkpoint ({@link #resumeAt}) and writes the steps after it again, without gaps or repeats.
 */
public final class MetricsLog {
    /** One row; top-1/top-5 error are NaN on steps without an evaluation. */
    public record Row(long step, double epoch, double learningRate, double loss, double gradientNorm,
                      double imagesPerSecond, double top1Error, double top5Error, long skippedImages) {
    }

    private static final String HEADER = "step,epoch,learning_rate,loss,gradient_norm,images_per_second,top1_error,top5_error,"
            + "skipped_images";
    private final List<Row> rows = new ArrayList<>();
    private final Path file;
    private final FileSystem fs;
    private final Configuration hadoop;

    public MetricsLog(String runDir, Configuration hadoop) throws IOException {
        this.file = new Path(runDir, "metrics.csv");
        this.fs = file.getFileSystem(hadoop);
        this.hadoop = hadoop;
    }

    /** Loads the rows of an earlier attempt up to and including {@code lastStep}. */
    public synchronized void resumeAt(long lastStep) throws IOException {
        rows.clear();
        if (!fs.exists(file)) {
            return;
        }
        try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(file), StandardCharsets.UTF_8))) {
            String line = r.readLine();
            while ((line = r.readLine()) != null) {
                String[] f = line.split(",", -1);
                Row row = new Row(Long.parseLong(f[0]), d(f[1]), d(f[2]), d(f[3]), d(f[4]), d(f[5]), d(f[6]), d(f[7]),
                        f.length > 8 && !f[8].isEmpty() ? Long.parseLong(f[8]) : 0);
                if (row.step() <= lastStep) {
                    rows.add(row);
                }
            }
        }
    }

    private static double d(String s) {
        return s.isEmpty() ? Double.NaN : Double.parseDouble(s);
    }

    public synchronized void add(Row row) {
        rows.add(row);
    }

    /** Sets the throughput of a step's row once the step's timings are known. */
    public synchronized void setImagesPerSecond(long step, double imagesPerSecond) {
        for (int i = rows.size() - 1; i >= 0; i--) {
            Row r = rows.get(i);
            if (r.step() == step) {
                rows.set(i, new Row(r.step(), r.epoch(), r.learningRate(), r.loss(), r.gradientNorm(), imagesPerSecond,
                        r.top1Error(), r.top5Error(), r.skippedImages()));
                return;
            }
        }
    }

    /** Attaches an evaluation to the row of its step. */
    public synchronized void setEvaluation(long step, double top1Error, double top5Error) {
        for (int i = rows.size() - 1; i >= 0; i--) {
            Row r = rows.get(i);
            if (r.step() == step) {
                rows.set(i, new Row(r.step(), r.epoch(), r.learningRate(), r.loss(), r.gradientNorm(), r.imagesPerSecond(),
                        top1Error, top5Error, r.skippedImages()));
                return;
            }
        }
    }

    public synchronized List<Row> rows() {
        return List.copyOf(rows);
    }

    /**
     * Rewrites the file whole. Synchronized with the row updates: the step loop and the SIGTERM
     * hook's checkpoint may both write, and two writers of the one temporary file race.
     */
    public synchronized void write() throws IOException {
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "%d,%s,%s,%s,%s,%s,%s,%s,%d%n", r.step(), f(r.epoch()), f(r.learningRate()),
                    f(r.loss()), f(r.gradientNorm()), f(r.imagesPerSecond()), f(r.top1Error()), f(r.top5Error()),
                    r.skippedImages()));
        }
        Path tmp = new Path(file.getParent(), "_" + file.getName() + ".tmp");
        try (var out = fs.create(tmp, true)) {
            out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        replace(tmp, file);
    }

    /**
     * Renames {@code tmp} over {@code target} in one step, so that no moment leaves the file missing
     * or half-written: the local filesystem's rename replaces an existing file (rename(2)); HDFS's
     * plain rename refuses to, and its overwriting rename is atomic.
     */
    private void replace(Path tmp, Path target) throws IOException {
        if (fs.rename(tmp, target)) {
            return;
        }
        FileContext.getFileContext(target.toUri(), hadoop).rename(tmp, target, Options.Rename.OVERWRITE);
    }

    private static String f(double v) {
        return Double.isNaN(v) ? "" : Double.toString(v);
    }
}

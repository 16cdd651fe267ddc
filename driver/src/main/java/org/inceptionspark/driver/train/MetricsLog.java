package org.inceptionspark.driver.train;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The run's per-step figures, kept on the driver and rewritten as {@code metrics.csv} in the run
 * directory (atomically: temp file then rename) whenever a checkpoint is written, so the file
 * always matches the newest checkpoint and a resumed run continues it without gaps or repeats.
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

    public MetricsLog(String runDir, Configuration hadoop) throws IOException {
        this.file = new Path(runDir, "metrics.csv");
        this.fs = file.getFileSystem(hadoop);
    }

    /** Loads the rows of an earlier attempt up to and including {@code lastStep}. */
    public void resumeAt(long lastStep) throws IOException {
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

    public void add(Row row) {
        rows.add(row);
    }

    /** Sets the throughput of a step's row once the step's timings are known. */
    public void setImagesPerSecond(long step, double imagesPerSecond) {
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
    public void setEvaluation(long step, double top1Error, double top5Error) {
        for (int i = rows.size() - 1; i >= 0; i--) {
            Row r = rows.get(i);
            if (r.step() == step) {
                rows.set(i, new Row(r.step(), r.epoch(), r.learningRate(), r.loss(), r.gradientNorm(), r.imagesPerSecond(),
                        top1Error, top5Error, r.skippedImages()));
                return;
            }
        }
    }

    public List<Row> rows() {
        return List.copyOf(rows);
    }

    public void write() throws IOException {
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
        fs.delete(file, false);
        fs.rename(tmp, file);
    }

    private static String f(double v) {
        return Double.isNaN(v) ? "" : Double.toString(v);
    }
}

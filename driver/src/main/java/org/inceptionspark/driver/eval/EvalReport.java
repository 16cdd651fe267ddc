package org.inceptionspark.driver.eval;

import java.io.PrintStream;
import org.inceptionspark.driver.cli.ResultLine;
import org.inceptionspark.worker.data.PackedDataset;
import org.inceptionspark.worker.eval.EvalCounts;

/**
 * Top-1/top-5 error and per-class accuracy of one evaluation.
 *
 * @param crops  crops per image; 0 for dense evaluation
 * @param method how each image was scored, as the report's first line says it
 */
public record EvalReport(long images, long skipped, double top1Error, double top5Error, double[] perClassAccuracy,
                         long[] perClassImages, int crops, int models, String method) {

    static EvalReport of(EvalCounts c, int crops, int models) {
        return of(c, crops, models, crops + " crop(s) per image");
    }

    static EvalReport of(EvalCounts c, int crops, int models, String method) {
        long n = 0;
        long top1 = 0;
        long top5 = 0;
        double[] acc = new double[c.total().length];
        for (int i = 0; i < acc.length; i++) {
            n += c.total()[i];
            top1 += c.top1()[i];
            top5 += c.top5()[i];
            acc[i] = c.total()[i] == 0 ? Double.NaN : (double) c.top1()[i] / c.total()[i];
        }
        return new EvalReport(n, c.skipped(), n == 0 ? Double.NaN : 1 - (double) top1 / n,
                n == 0 ? Double.NaN : 1 - (double) top5 / n, acc, c.total().clone(), crops, models, method);
    }

    public void print(PrintStream out, PackedDataset data) {
        out.printf("eval: %d images (%d skipped), %s, %d model(s)%n", images, skipped, method, models);
        out.printf("  top-1 error %.2f%%  top-5 error %.2f%%%n", 100 * top1Error, 100 * top5Error);
        out.printf("  %5s  %-28s %8s %9s%n", "index", "class", "images", "accuracy");
        for (int i = 0; i < perClassAccuracy.length; i++) {
            out.printf("  %5d  %-28s %8d %8.2f%%%n", i, data.classLabel(i), perClassImages[i], 100 * perClassAccuracy[i]);
        }
        ResultLine.print(out, "top1_error=%.4f top5_error=%.4f", top1Error, top5Error);
    }
}

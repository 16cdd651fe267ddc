package org.inceptionspark.bench;

import org.inceptionspark.driver.commands.Command;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.inceptionspark.driver.cli.CliArgs;
import org.inceptionspark.driver.cli.ResultLine;
import org.inceptionspark.runtime.BatchNormBackprop;
import org.inceptionspark.runtime.NativeRuntime;
import org.inceptionspark.runtime.OneDnnBatchNorm;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code bench batchnorm [--shapes NxCxHxW,...] [--repeats 4]}: one batch-norm layer's training
 * forward and backward pass through DL4J's oneDNN helper (libnd4j's batchnorm_bp), through
 * {@link BatchNormBackprop}'s five-pass backward (on the helper's forward), and through
 * {@link OneDnnBatchNorm} (the product's path: oneDNN 2.5's own primitives), same inputs, best of
 * the repeats each, and the relative L2 difference of the input gradients against libnd4j's.
 */
public final class BatchNormBench implements Command {
    /** Inception-v3 batch norms at 299x299 and at 79x79 width 0.25, batch 32. */
    static final String DEFAULT_SHAPES = "32x64x147x147,32x192x35x35,32x768x17x17,32x2048x8x8,"
            + "32x16x37x37,32x8x39x39,32x48x9x9,32x96x4x4";

    @Override
    public int run(String[] argv) throws Exception {
        CliArgs args = CliArgs.parse(argv, Set.of("shapes", "repeats"), Set.of());
        int repeats = args.intOption("repeats", 4);
        System.out.println("runtime: " + NativeRuntime.describe());
        double worstDiff = 0;
        List<String> ratios = new ArrayList<>();
        for (String spec : args.option("shapes").orElse(DEFAULT_SHAPES).split(",")) {
            long[] shape = parseShape(spec.trim());
            INDArray x = Nd4j.rand(DataType.FLOAT, shape);
            INDArray dy = Nd4j.rand(DataType.FLOAT, shape).subi(0.5);
            MKLDNNBatchNormHelper libnd4jHelper = new MKLDNNBatchNormHelper(DataType.FLOAT);
            BatchNormBackprop fivePassHelper = BatchNormBackprop.always();
            OneDnnBatchNorm oneDnnHelper = new OneDnnBatchNorm(DataType.FLOAT);
            Timed libnd4j = null;
            Timed fivePass = null;
            Timed oneDnn = null;
            for (int r = 0; r < repeats; r++) {
                libnd4j = Timed.best(libnd4j, run(libnd4jHelper, x, dy));
                fivePass = Timed.best(fivePass, run(fivePassHelper, x, dy));
                oneDnn = Timed.best(oneDnn, run(oneDnnHelper, x, dy));
            }
            double diffFivePass = relativeDifference(libnd4j.dx, fivePass.dx);
            double diffOneDnn = relativeDifference(libnd4j.dx, oneDnn.dx);
            worstDiff = Math.max(worstDiff, Math.max(diffFivePass, diffOneDnn));
            ratios.add(String.format(Locale.ROOT, "%.2f", libnd4j.total() / oneDnn.total()));
            System.out.printf(Locale.ROOT, "%-16s %,12d values, forward / backward ms: libnd4j %.1f / %.1f, "
                    + "BatchNormBackprop %.1f / %.1f (dx diff %.1e), OneDnnBatchNorm %.1f / %.1f (dx diff %.1e); "
                    + "OneDnnBatchNorm %.2fx libnd4j%s%n", spec, x.length(), libnd4j.forwardMs, libnd4j.backwardMs,
                    fivePass.forwardMs, fivePass.backwardMs, diffFivePass, oneDnn.forwardMs, oneDnn.backwardMs,
                    diffOneDnn, libnd4j.total() / oneDnn.total(), x.length() < BatchNormBackprop.MIN_ELEMENTS
                            ? "  [below the threshold: BatchNormBackprop, where it runs, keeps libnd4j]" : "");
        }
        ResultLine.print(System.out, "speedups=%s max_rel_diff=%.1e", String.join(",", ratios), worstDiff);
        return 0;
    }

    /** Times of one forward + backward call, and the input gradient. */
    private record Timed(double forwardMs, double backwardMs, INDArray dx) {
        double total() {
            return forwardMs + backwardMs;
        }

        /** Per pass, the faster of the two; the latest gradient. */
        static Timed best(Timed a, Timed b) {
            return a == null ? b : new Timed(Math.min(a.forwardMs, b.forwardMs), Math.min(a.backwardMs, b.backwardMs), b.dx);
        }
    }

    private static double relativeDifference(INDArray expected, INDArray actual) {
        return expected.sub(actual).norm2Number().doubleValue() / expected.norm2Number().doubleValue();
    }

    private static Timed run(MKLDNNBatchNormHelper helper, INDArray x, INDArray dy) {
        long[] shape = x.shape();
        int c = (int) shape[1];
        INDArray gamma = Nd4j.ones(DataType.FLOAT, 1, c);
        INDArray beta = Nd4j.zeros(DataType.FLOAT, 1, c);
        LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();
        long t0 = System.nanoTime();
        helper.preOutput(x, true, shape, gamma, beta, Nd4j.zeros(DataType.FLOAT, 1, c), Nd4j.ones(DataType.FLOAT, 1, c),
                0.9997, 1e-3, CNN2DFormat.NCHW, ws).getFloat(0);
        long t1 = System.nanoTime();
        INDArray dGamma = Nd4j.create(DataType.FLOAT, 1, c);
        INDArray dBeta = Nd4j.create(DataType.FLOAT, 1, c);
        long t2 = System.nanoTime();
        INDArray dx = helper.backpropGradient(x, dy, shape, gamma, beta, dGamma, dBeta, 1e-3, CNN2DFormat.NCHW, ws)
                .getSecond();
        dx.getFloat(0);
        return new Timed((t1 - t0) / 1e6, (System.nanoTime() - t2) / 1e6, dx);
    }

    static long[] parseShape(String spec) {
        String[] p = spec.split("x");
        if (p.length != 4) {
            throw new IllegalArgumentException("bench batchnorm: --shapes takes NxCxHxW, got '" + spec + "'");
        }
        long[] s = new long[4];
        for (int i = 0; i < 4; i++) {
            s[i] = Long.parseLong(p[i]);
        }
        return s;
    }
}

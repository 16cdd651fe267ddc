package org.inceptionspark.driver.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.inceptionspark.driver.Main;
import org.inceptionspark.driver.cli.CliArgs;
import org.inceptionspark.driver.cli.ResultLine;
import org.inceptionspark.runtime.BatchNormBackprop;
import org.inceptionspark.runtime.NativeRuntime;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code bench batchnorm [--shapes NxCxHxW,...] [--repeats 4]}: one batch-norm layer's training
 * backward pass through DL4J's oneDNN helper (libnd4j's batchnorm_bp) and through
 * {@link BatchNormBackprop}'s five-pass path, same inputs, best of the repeats each, and the
 * relative L2 difference of their input gradients. Both run the helper's own forward first, which
 * leaves the batch statistics the backward pass reads.
 */
public final class BatchNormBench implements Main.Command {
    /** Inception-v3 batch norms at 299x299 and at 79x79 width 0.25, batch 32. */
    static final String DEFAULT_SHAPES = "32x64x147x147,32x192x35x35,32x768x17x17,32x2048x8x8,"
            + "32x16x37x37,32x8x39x39,32x48x9x9,32x96x4x4";

    @Override
    public int run(String[] argv) throws Exception {
        NativeRuntime.configure();
        CliArgs args = CliArgs.parse(argv, Set.of("shapes", "repeats"), Set.of());
        int repeats = args.intOption("repeats", 4);
        System.out.println("runtime: " + NativeRuntime.describe());
        double worstDiff = 0;
        List<String> ratios = new ArrayList<>();
        for (String spec : args.option("shapes").orElse(DEFAULT_SHAPES).split(",")) {
            long[] shape = parseShape(spec.trim());
            INDArray x = Nd4j.rand(DataType.FLOAT, shape);
            INDArray dy = Nd4j.rand(DataType.FLOAT, shape).subi(0.5);
            double libnd4j = Double.MAX_VALUE;
            double ours = Double.MAX_VALUE;
            INDArray dxLibnd4j = null;
            INDArray dxOurs = null;
            for (int r = 0; r < repeats; r++) {
                Timed a = backward(new MKLDNNBatchNormHelper(DataType.FLOAT), x, dy);
                Timed b = backward(BatchNormBackprop.always(), x, dy);
                libnd4j = Math.min(libnd4j, a.ms);
                ours = Math.min(ours, b.ms);
                dxLibnd4j = a.dx;
                dxOurs = b.dx;
            }
            double diff = dxLibnd4j.sub(dxOurs).norm2Number().doubleValue() / dxLibnd4j.norm2Number().doubleValue();
            worstDiff = Math.max(worstDiff, diff);
            ratios.add(String.format(Locale.ROOT, "%.2f", libnd4j / ours));
            System.out.printf(Locale.ROOT, "%-16s %,12d values: libnd4j batchnorm_bp %8.1f ms, BatchNormBackprop %8.1f ms"
                    + " (%.2fx); dx relative L2 difference %.1e%s%n", spec, x.length(), libnd4j, ours, libnd4j / ours,
                    diff, x.length() < BatchNormBackprop.MIN_ELEMENTS ? "  [below the threshold: the product keeps libnd4j]" : "");
        }
        ResultLine.print(System.out, "speedups=%s max_rel_diff=%.1e", String.join(",", ratios), worstDiff);
        return 0;
    }

    private record Timed(double ms, INDArray dx) {
    }

    private static Timed backward(MKLDNNBatchNormHelper helper, INDArray x, INDArray dy) {
        long[] shape = x.shape();
        int c = (int) shape[1];
        INDArray gamma = Nd4j.ones(DataType.FLOAT, 1, c);
        INDArray beta = Nd4j.zeros(DataType.FLOAT, 1, c);
        LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();
        helper.preOutput(x, true, shape, gamma, beta, Nd4j.zeros(DataType.FLOAT, 1, c), Nd4j.ones(DataType.FLOAT, 1, c),
                0.9997, 1e-3, CNN2DFormat.NCHW, ws);
        INDArray dGamma = Nd4j.create(DataType.FLOAT, 1, c);
        INDArray dBeta = Nd4j.create(DataType.FLOAT, 1, c);
        long t = System.nanoTime();
        INDArray dx = helper.backpropGradient(x, dy, shape, gamma, beta, dGamma, dBeta, 1e-3, CNN2DFormat.NCHW, ws)
                .getSecond();
        dx.getFloat(0);
        return new Timed((System.nanoTime() - t) / 1e6, dx);
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

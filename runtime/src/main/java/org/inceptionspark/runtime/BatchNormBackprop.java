package org.inceptionspark.runtime;

import java.lang.reflect.Field;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.reduce3.Dot;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batch norm's training backward pass in five passes over the activations (two for the sums, three
 * for the input gradient), in place of the
 * oneDNN helper's {@code batchnorm_bp}. libnd4j runs that op with oneDNN's {@code use_global_stats}
 * flag, which treats the batch mean and variance as constants, then adds the missing terms with
 * about ten generic full-size passes and two full-size temporaries per call, several times
 * oneDNN's own kernel's time (docs/replica-performance.md, Batch norm).
 *
 * <p>With batch statistics over M = N*H*W values per channel, {@code xmu = x - mean} and
 * {@code s = 1/sqrt(var + eps)}:
 * <pre>
 *   dbeta  = sum(dy)          dgamma = s * sum(dy * xmu)
 *   dx     = gamma*s * (dy - sum(dy)/M - xmu * s^2 * sum(dy * xmu)/M)
 *          = gamma*s * (dy + b*x + c)   with  b = -s^2 * sum(dy*xmu)/M,  c = -sum(dy)/M - b*mean
 * </pre>
 * The per-(image, channel) sums come from one matrix-vector product (sum dy) and one row-wise dot
 * product (sum dy*x); the per-channel arithmetic runs in double on the host (C values); the two
 * affine maps run as libnd4j's oneDNN {@code batchnorm} forward op with zero mean and unit
 * variance, and the add as one pairwise op. The forward pass stays the oneDNN helper's own (it
 * leaves the batch mean and variance this class reads).
 *
 * <p>Results are deterministic for a fixed thread count, like the op they replace, and equal it
 * within float rounding ({@code BatchNormBackpropTest}).
 *
 * <p>Where {@link OneDnnLayers} runs (a CPU backend with oneDNN's presets), {@link OneDnnBatchNorm}
 * replaces this class under every layer and keeps it only for what it does not take itself.
 */
public class BatchNormBackprop extends MKLDNNBatchNormHelper {

    /**
     * Below this many activations the libnd4j op is kept: this class launches a dozen ops per call,
     * which lose at small sizes and win from about 32x16x37x37 up ({@code bench batchnorm};
     * docs/replica-performance.md, Batch norm). The choice depends on the shape only, so it is the
     * same in every replica and every run.
     */
    public static final long MIN_ELEMENTS = 1L << 19;

    private final long minElements;

    public BatchNormBackprop(DataType dataType) {
        this(dataType, MIN_ELEMENTS);
    }

    BatchNormBackprop(DataType dataType, long minElements) {
        super(dataType);
        this.minElements = minElements;
    }

    /**
     * Puts this backward pass under every batch-norm layer of {@code graph} that has the oneDNN
     * helper; returns how many. Layers without it (helpers off, locked gamma/beta) are left alone.
     */
    static int install(ComputationGraph graph) {
        return install(graph, MIN_ELEMENTS);
    }

    /** One that takes the five-pass path at every size (tests, {@code bench batchnorm}). */
    public static BatchNormBackprop always() {
        return new BatchNormBackprop(DataType.FLOAT, 0);
    }

    static int install(ComputationGraph graph, long minElements) {
        if (!OneDnnLayers.boundaryIntact()) {
            return 0;
        }
        Field helper = helperField();
        int n = 0;
        for (Layer layer : graph.getLayers()) {
            if (layer instanceof BatchNormalization bn && bn.getHelper() != null
                    && bn.getHelper().getClass() == MKLDNNBatchNormHelper.class) {
                try {
                    helper.set(bn, new BatchNormBackprop(layer.params().dataType(), minElements));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException("cannot set the batch-norm helper of layer " + layer.getIndex(), e);
                }
                n++;
            }
        }
        return n;
    }

    private static Field helperField() {
        try {
            Field f = BatchNormalization.class.getDeclaredField("helper");
            f.setAccessible(true);
            return f;
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("DL4J's BatchNormalization has no 'helper' field: another DL4J version?", e);
        }
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma,
                                                     INDArray beta, INDArray dGammaView, INDArray dBetaView, double eps,
                                                     CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        INDArray mean = getMeanCache(DataType.FLOAT);
        INDArray var = getVarCache(DataType.FLOAT);
        if (input.rank() != 4 || format != CNN2DFormat.NCHW || input.dataType() != DataType.FLOAT
                || epsilon.dataType() != DataType.FLOAT || gamma == null || mean == null || dGammaView == null
                || input.length() < minElements) {
            return super.backpropGradient(input, epsilon, shape, gamma, beta, dGammaView, dBetaView, eps, format,
                    workspaceMgr);
        }
        INDArray x = Shape.hasDefaultStridesForShape(input) ? input : input.dup('c');
        INDArray dy = Shape.hasDefaultStridesForShape(epsilon) ? epsilon : epsilon.dup('c');
        int n = (int) x.size(0);
        int c = (int) x.size(1);
        long hw = x.size(2) * x.size(3);
        double m = (double) n * hw;

        INDArray x2 = x.reshape('c', (long) n * c, hw);
        INDArray dy2 = dy.reshape('c', (long) n * c, hw);
        INDArray sumDy = Nd4j.create(DataType.FLOAT, (long) n * c, 1);
        INDArray ones = Nd4j.ones(DataType.FLOAT, hw, 1);
        Nd4j.gemm(dy2, ones, sumDy, false, false, 1.0, 0.0);
        INDArray sumDyX = Nd4j.create(DataType.FLOAT, (long) n * c);
        Nd4j.getExecutioner().exec(new Dot(x2, dy2, sumDyX, 1));

        float[] sDy = sumDy.data().asFloat();
        float[] sDyX = sumDyX.data().asFloat();
        float[] mu = mean.data().asFloat();
        float[] v = var.data().asFloat();
        float[] g = gamma.reshape(gamma.length()).toFloatVector();
        float[] dGamma = new float[c];
        float[] dBeta = new float[c];
        float[] b = new float[c];
        float[] cc = new float[c];
        float[] a = new float[c];
        for (int ch = 0; ch < c; ch++) {
            // sums over the batch in image order: a fixed order, so the bits do not depend on threads
            double dySum = 0;
            double dyXSum = 0;
            for (int img = 0; img < n; img++) {
                dySum += sDy[img * c + ch];
                dyXSum += sDyX[img * c + ch];
            }
            double s = 1.0 / Math.sqrt(v[ch] + eps);
            double dyXmu = dyXSum - mu[ch] * dySum;
            double bb = -s * s * dyXmu / m;
            dBeta[ch] = (float) dySum;
            dGamma[ch] = (float) (s * dyXmu);
            b[ch] = (float) bb;
            cc[ch] = (float) (-dySum / m - bb * mu[ch]);
            a[ch] = (float) (g[ch] * s);
        }
        INDArray zero = Nd4j.zeros(DataType.FLOAT, c);
        INDArray one = Nd4j.ones(DataType.FLOAT, c);
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, x.shape(), 'c');
        affine(x, zero, one, Nd4j.createFromArray(b), Nd4j.createFromArray(cc), dx);
        dx.addi(dy);
        affine(dx, zero, one, Nd4j.createFromArray(a), zero, dx);

        dGammaView.assign(Nd4j.createFromArray(dGamma).reshape(dGammaView.shape()));
        dBetaView.assign(Nd4j.createFromArray(dBeta).reshape(dBetaView.shape()));
        Gradient grad = new DefaultGradient();
        grad.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
        grad.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
        return new Pair<>(grad, dx);
    }

    /** out = in * scale[c] + shift[c] per channel: libnd4j's batchnorm with mean 0, variance 1, epsilon 0. */
    private static void affine(INDArray in, INDArray zero, INDArray one, INDArray scale, INDArray shift, INDArray out) {
        Nd4j.exec(DynamicCustomOp.builder("batchnorm")
                .addInputs(in, zero, one, scale, shift)
                .addOutputs(out)
                .addIntegerArguments(1, 1, 1)
                .addFloatingPointArguments(0.0)
                .build());
    }
}

package org.inceptionspark.runtime;

import static org.inceptionspark.runtime.LayerChecks.NO_WS;
import static org.inceptionspark.runtime.LayerChecks.assertClose;
import static org.inceptionspark.runtime.LayerChecks.bnBackward;
import static org.inceptionspark.runtime.LayerChecks.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.inceptionspark.config.ModelConfig;
import org.inceptionspark.model.ModelZoo;
import org.inceptionspark.model.BatchNormRelu;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Every distinct convolution, pooling and batch-norm shape of every zoo network (Inception-v3 at
 * 299, 151 and 79 with widths 0.25, 0.5 and 1.0; GoogLeNet and VGG A-E at 224), forward and
 * backward on the product's oneDNN path against DL4J's own oneDNN helpers, at a small batch.
 *
 * <p>It runs in its own Surefire execution ({@code native-safety} in common's pom) on glibc's
 * malloc with {@code MALLOC_CHECK_=3} and {@code MALLOC_PERTURB_} and no preloaded allocator,
 * whatever the rest of the suite runs on: jemalloc page-aligns large buffers and so once hid a
 * misaligned oneDNN buffer that crashed the JVM under glibc. The test checks that it got that
 * environment. Under {@value PlanCache#STRICT} a failed buffer check fails the test instead of
 * falling back to DL4J's path.
 */
class LayerShapeSweepTest {
    private static final int BATCH = 2;

    record Conv(long inC, int h, int w, long outC, int kh, int kw, int sh, int sw, int ph, int pw,
                ConvolutionMode mode, boolean bias) {
    }

    record Pool(long c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, ConvolutionMode mode,
                PoolingType type) {
    }

    record Norm(long c, int h, int w, double eps, boolean relu) {
    }

    /** The zoo's networks and variants the sweep covers, with the input size each is built for. */
    static List<ModelConfig> networks() {
        List<ModelConfig> out = new ArrayList<>();
        for (int size : new int[] {299, 151, 79}) {
            for (double width : new double[] {0.25, 0.5, 1.0}) {
                out.add(ModelConfig.paper(ModelConfig.INCEPTION_V3, 1000).with("input-size", size).with("width-multiplier", width));
            }
        }
        for (String name : ModelZoo.names()) {
            if (!name.equals("inception_v3")) {
                out.add(ModelConfig.paper(name, 1000));
            }
        }
        return out;
    }

    /** The distinct shapes of every network, collected once for the three tests. */
    private static final class Shapes {
        static final Set<Conv> CONVS = new LinkedHashSet<>();
        static final Set<Pool> POOLS = new LinkedHashSet<>();
        static final Set<Norm> NORMS = new LinkedHashSet<>();

        static {
            int layers = 0;
            for (ModelConfig spec : networks()) {
                layers += collect(spec, CONVS, POOLS, NORMS);
            }
            System.out.printf("%d layers of %d networks: %d distinct convolutions, %d poolings, %d batch norms%n",
                    layers, networks().size(), CONVS.size(), POOLS.size(), NORMS.size());
        }
    }

    /** Skips outside the native-safety execution, and fails there unless it has that environment. */
    private static void requireNativeSafetyEnvironment() {
        // only the native-safety execution gives it its environment (-Dtest=... also selects it in the other)
        assumeTrue(Boolean.getBoolean("inception.native-safety"), "runs in the native-safety execution");
        assertEquals("glibc", NativeRuntime.mallocImplementation(),
                "the sweep must run on glibc's malloc (no LD_PRELOAD): see the native-safety execution");
        assertEquals("3", System.getenv("MALLOC_CHECK_"), "the sweep runs with MALLOC_CHECK_=3");
        assertNotNull(System.getenv("MALLOC_PERTURB_"), "the sweep runs with MALLOC_PERTURB_ set");
        assertTrue(Boolean.getBoolean(PlanCache.STRICT), "a failed buffer check must fail the sweep");
        NativeRuntime.configure();
        assertTrue(OneDnnLayers.enabled(), "oneDNN's presets must load on this machine");
    }

    @Test
    void everyConvolutionShapeMatchesDl4j() {
        requireNativeSafetyEnvironment();
        assertTrue(Shapes.CONVS.size() > 100, "convolution shapes found: " + Shapes.CONVS.size());
        long seed = 1;
        for (Conv c : Shapes.CONVS) {
            checkConvolution(c, seed += 4);
        }
    }

    @Test
    void everyPoolingShapeMatchesDl4j() {
        requireNativeSafetyEnvironment();
        assertTrue(Shapes.POOLS.size() > 10, "pooling shapes found: " + Shapes.POOLS.size());
        long seed = 10_000;
        for (Pool p : Shapes.POOLS) {
            checkPooling(p, seed += 4);
        }
    }

    @Test
    void everyBatchNormShapeMatchesDl4j() {
        requireNativeSafetyEnvironment();
        assertTrue(Shapes.NORMS.size() > 50, "batch-norm shapes found: " + Shapes.NORMS.size());
        long seed = 20_000;
        for (Norm n : Shapes.NORMS) {
            checkBatchNorm(n, seed += 4);
        }
    }

    /** Adds the shapes of {@code spec}'s layers that take NCHW input; returns how many layers it read. */
    private static int collect(ModelConfig spec, Set<Conv> convs, Set<Pool> pools, Set<Norm> norms) {
        ComputationGraphConfiguration conf = ModelZoo.build(spec, 1);
        InputType network = InputType.convolutional(spec.inputSize(), spec.inputSize(), 3);
        Map<String, InputType> types = conf.getLayerActivationTypes(network);
        int n = 0;
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (!(e.getValue() instanceof LayerVertex lv)) {
                continue;
            }
            List<String> inputs = conf.getVertexInputs().get(e.getKey());
            InputType in = inputs == null || inputs.size() != 1 ? null
                    : conf.getNetworkInputs().contains(inputs.get(0)) ? network : types.get(inputs.get(0));
            if (!(in instanceof InputType.InputTypeConvolutional t) || t.getFormat() != CNN2DFormat.NCHW) {
                continue;
            }
            Layer l = lv.getLayerConf().getLayer();
            int h = (int) t.getHeight();
            int w = (int) t.getWidth();
            long c = t.getChannels();
            n++;
            if (l instanceof ConvolutionLayer cl) {
                int[] k = cl.getKernelSize();
                int[] s = cl.getStride();
                int[] p = cl.getPadding();
                assertArrayEquals(new int[] {1, 1}, cl.getDilation(), e.getKey());
                convs.add(new Conv(c, h, w, cl.getNOut(), k[0], k[1], s[0], s[1], p[0], p[1],
                        cl.getConvolutionMode(), cl.hasBias()));
            } else if (l instanceof SubsamplingLayer sl) {
                int[] k = sl.getKernelSize();
                int[] s = sl.getStride();
                int[] p = sl.getPadding();
                pools.add(new Pool(c, h, w, k[0], k[1], s[0], s[1], p[0], p[1], sl.getConvolutionMode(),
                        sl.getPoolingType()));
            } else if (l instanceof BatchNormalization bn) {
                norms.add(new Norm(c, h, w, bn.getEps(), l instanceof BatchNormRelu));
            }
        }
        return n;
    }

    private static void checkConvolution(Conv c, long seed) {
        int[] kernel = {c.kh, c.kw};
        int[] strides = {c.sh, c.sw};
        int[] pad = {c.ph, c.pw};
        int[] dilation = {1, 1};
        INDArray x = random(seed, BATCH, c.inC, c.h, c.w);
        INDArray w = random(seed + 1, c.outC, c.inC, c.kh, c.kw).muli(1.0 / Math.sqrt(c.inC * c.kh * c.kw));
        INDArray b = c.bias ? random(seed + 2, 1, c.outC) : null;
        MKLDNNConvHelper reference = new MKLDNNConvHelper(DataType.FLOAT);
        OneDnnConvolution ours = new OneDnnConvolution(DataType.FLOAT, c.toString());
        assertNotNull(ours.plan(BATCH, c.inC, c.h, c.w, c.outC, c.bias, kernel, strides, pad, c.mode, dilation),
                c + ": oneDNN has a plan");
        INDArray expected = reference.preOutput(x, w, b, kernel, strides, pad, AlgoMode.PREFER_FASTEST, null, c.mode,
                dilation, CNN2DFormat.NCHW, NO_WS);
        INDArray actual = ours.preOutput(x, w, b, kernel, strides, pad, AlgoMode.PREFER_FASTEST, null, c.mode,
                dilation, CNN2DFormat.NCHW, NO_WS);
        assertArrayEquals(expected.shape(), actual.shape(), c.toString());
        assertClose(expected, actual, c + " forward");
        INDArray dy = random(seed + 3, expected.shape());
        Pair<Gradient, INDArray> ref = convBackward(reference, c, x, w, b, dy, kernel, strides, pad);
        Pair<Gradient, INDArray> got = convBackward(ours, c, x, w, b, dy, kernel, strides, pad);
        assertClose(ref.getSecond(), got.getSecond(), c + " input gradient");
        assertClose(ref.getFirst().getGradientFor(ConvolutionParamInitializer.WEIGHT_KEY),
                got.getFirst().getGradientFor(ConvolutionParamInitializer.WEIGHT_KEY), c + " weight gradient");
        if (c.bias) {
            assertClose(ref.getFirst().getGradientFor(ConvolutionParamInitializer.BIAS_KEY),
                    got.getFirst().getGradientFor(ConvolutionParamInitializer.BIAS_KEY), c + " bias gradient");
        }
    }

    private static Pair<Gradient, INDArray> convBackward(MKLDNNConvHelper helper, Conv c, INDArray x, INDArray w,
                                                         INDArray b, INDArray dy, int[] kernel, int[] strides,
                                                         int[] pad) {
        INDArray dw = Nd4j.zeros(DataType.FLOAT, w.shape());
        INDArray db = c.bias ? Nd4j.zeros(DataType.FLOAT, 1, c.outC) : null;
        return helper.backpropGradient(x, w, b, dy, kernel, strides, pad, db, dw, new ActivationIdentity(),
                AlgoMode.PREFER_FASTEST, null, null, c.mode, new int[] {1, 1}, CNN2DFormat.NCHW, NO_WS);
    }

    private static void checkPooling(Pool p, long seed) {
        int[] kernel = {p.kh, p.kw};
        int[] strides = {p.sh, p.sw};
        int[] pad = {p.ph, p.pw};
        int[] dilation = {1, 1};
        INDArray x = random(seed, BATCH, p.c, p.h, p.w);
        MKLDNNSubsamplingHelper reference = new MKLDNNSubsamplingHelper(DataType.FLOAT);
        OneDnnPooling ours = new OneDnnPooling(DataType.FLOAT, p.toString());
        assertNotNull(ours.plan(BATCH, p.c, p.h, p.w, kernel, strides, pad, p.type, p.mode, dilation),
                p + ": oneDNN has a plan");
        INDArray expected = reference.activate(x, true, kernel, strides, pad, p.type, p.mode, dilation,
                CNN2DFormat.NCHW, NO_WS);
        INDArray actual = ours.activate(x, true, kernel, strides, pad, p.type, p.mode, dilation, CNN2DFormat.NCHW,
                NO_WS);
        assertArrayEquals(expected.shape(), actual.shape(), p.toString());
        assertClose(expected, actual, p + " forward");
        INDArray dy = random(seed + 1, expected.shape());
        assertClose(reference.backpropGradient(x, dy, kernel, strides, pad, p.type, p.mode, dilation,
                        CNN2DFormat.NCHW, NO_WS).getSecond(),
                ours.backpropGradient(x, dy, kernel, strides, pad, p.type, p.mode, dilation, CNN2DFormat.NCHW,
                        NO_WS).getSecond(), p + " input gradient");
    }

    private static void checkBatchNorm(Norm n, long seed) {
        long[] shape = {BATCH, n.c, n.h, n.w};
        INDArray x = random(seed, shape).muli(3).addi(0.7);
        INDArray gamma = random(seed + 1, 1, n.c).addi(1.5);
        INDArray beta = random(seed + 2, 1, n.c);
        INDArray globalMean = Nd4j.zeros(DataType.FLOAT, 1, n.c);
        INDArray globalVar = Nd4j.ones(DataType.FLOAT, 1, n.c);
        MKLDNNBatchNormHelper reference = new MKLDNNBatchNormHelper(DataType.FLOAT);
        OneDnnBatchNorm ours = new OneDnnBatchNorm(DataType.FLOAT, n.relu, n.toString());
        assertNotNull(ours.plan(BATCH, n.c, n.h, n.w, n.eps), n + ": oneDNN has a plan");
        INDArray expected = reference.preOutput(x, true, shape, gamma, beta, globalMean, globalVar, 0.9, n.eps,
                CNN2DFormat.NCHW, NO_WS);
        INDArray actual = ours.preOutput(x, true, shape, gamma, beta, globalMean, globalVar, 0.9, n.eps,
                CNN2DFormat.NCHW, NO_WS);
        assertEquals(n.relu, ours.forwardRectified(), n.toString());
        INDArray dy = random(seed + 3, shape);
        if (n.relu) {
            // the rectifying helper: ReLU of the same forward, and the reference's gradient masked
            // where our output is zero (values within rounding of 0 may fall either side)
            expected = Transforms.relu(expected, true);
            dy = dy.mul(actual.gt(0).castTo(DataType.FLOAT));
        }
        assertClose(expected, actual, n + " forward");
        INDArray[] ref = bnBackward(reference, x, dy, gamma, beta, shape, n.eps);
        INDArray[] got = bnBackward(ours, x, random(seed + 3, shape), gamma, beta, shape, n.eps);
        String[] what = {"input", "scale", "shift"};
        for (int i = 0; i < 3; i++) {
            assertClose(ref[i], got[i], n + " " + what[i] + " gradient");
        }
    }
}

package org.inceptionspark.runtime;

import static org.inceptionspark.runtime.LayerChecks.NO_WS;
import static org.inceptionspark.runtime.LayerChecks.assertClose;
import static org.inceptionspark.runtime.LayerChecks.bnBackward;
import static org.inceptionspark.runtime.LayerChecks.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.inceptionspark.config.ModelConfig;
import org.inceptionspark.model.ModelZoo;
import org.inceptionspark.optim.ParameterLayout;
import org.inceptionspark.train.GradientMessage;
import org.inceptionspark.testing.SegmentDifferences;
import org.inceptionspark.train.Replica;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The product's convolutions, pooling and batch norm ({@link OneDnnConvolution},
 * {@link OneDnnPooling}, {@link OneDnnBatchNorm}: oneDNN 2.5 with kept buffers) against DL4J's
 * oneDNN helpers (libnd4j's conv2d / conv2d_bp, maxpool2d / avgpool2d, batchnorm / batchnorm_bp): single layers of the shapes Inception-v3 has (1x1 with bias, 7x1 and 1x7 SAME,
 * strided VALID whose stride leaves a remainder, an input that is a channel slice of a bigger
 * array; max and average pools, SAME and VALID), and every gradient of a small Inception-v3. The
 * convolution algorithms may differ (oneDNN picks Winograd where it pays), so results agree to
 * float rounding, and repeat bit for bit.
 */
class OneDnnLayersTest {

    private static final int[] NO_DILATION = {1, 1};

    private record Case(int batch, int inC, int h, int w, int outC, int kh, int kw, int stride, int padH, int padW,
                        ConvolutionMode mode, boolean bias) {
        int[] kernel() {
            return new int[] {kh, kw};
        }

        int[] strides() {
            return new int[] {stride, stride};
        }

        int[] pad() {
            return new int[] {padH, padW};
        }
    }

    @Test
    void singleLayersMatchDl4jsHelper() {
        NativeRuntime.configure();
        assertTrue(OneDnnLayers.enabled(), "oneDNN's presets must load on this machine");
        Case[] cases = {
            new Case(4, 24, 17, 17, 40, 1, 1, 1, 0, 0, ConvolutionMode.Same, true),
            new Case(4, 16, 17, 17, 24, 7, 1, 1, 3, 0, ConvolutionMode.Same, false),
            new Case(4, 16, 17, 17, 24, 1, 7, 1, 0, 3, ConvolutionMode.Same, false),
            new Case(3, 24, 36, 36, 32, 3, 3, 2, 0, 0, ConvolutionMode.Truncate, false),
            new Case(2, 3, 39, 39, 16, 3, 3, 2, 0, 0, ConvolutionMode.Truncate, false),
            new Case(4, 32, 21, 21, 48, 3, 3, 1, 1, 1, ConvolutionMode.Same, true),
            new Case(4, 16, 15, 15, 16, 5, 5, 1, 2, 2, ConvolutionMode.Same, false),
        };
        int seed = 1;
        for (Case c : cases) {
            INDArray x = random(seed++, c.batch, c.inC, c.h, c.w);
            compare(c, x);
            // the same values as a channel slice of a wider array (what a merge's gradient split gives)
            INDArray wide = random(seed++, c.batch, c.inC + 5, c.h, c.w);
            INDArray slice = wide.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 2 + c.inC), NDArrayIndex.all(),
                    NDArrayIndex.all());
            compare(c, slice);
        }
    }

    private static void compare(Case c, INDArray x) {
        INDArray w = random(100 + c.outC, c.outC, c.inC, c.kh, c.kw).muli(0.1);
        INDArray b = c.bias ? random(200 + c.outC, 1, c.outC) : null;
        int[] kernel = c.kernel();
        int[] strides = c.strides();
        int[] pad = c.pad();
        int[] dilation = NO_DILATION;
        MKLDNNConvHelper reference = new MKLDNNConvHelper(DataType.FLOAT);
        OneDnnConvolution ours = new OneDnnConvolution(DataType.FLOAT);

        INDArray expected = reference.preOutput(x, w, b, kernel, strides, pad, AlgoMode.PREFER_FASTEST, null, c.mode,
                dilation, CNN2DFormat.NCHW, NO_WS);
        INDArray actual = ours.preOutput(x, w, b, kernel, strides, pad, AlgoMode.PREFER_FASTEST, null, c.mode,
                dilation, CNN2DFormat.NCHW, NO_WS);
        assertArrayEquals(expected.shape(), actual.shape(), c.toString());
        assertClose(expected, actual, c + " forward");
        assertArrayEquals(actual.data().asFloat(), ours.preOutput(x, w, b, kernel, strides, pad,
                AlgoMode.PREFER_FASTEST, null, c.mode, dilation, CNN2DFormat.NCHW, NO_WS).data().asFloat(),
                c + ": a second forward call must give the same bits");

        INDArray delta = random(300 + c.outC, expected.shape());
        Pair<Gradient, INDArray> ref = backward(reference, c, x, w, b, delta);
        Pair<Gradient, INDArray> got = backward(ours, c, x, w, b, delta);
        assertClose(ref.getSecond(), got.getSecond(), c + " input gradient");
        assertClose(ref.getFirst().getGradientFor(ConvolutionParamInitializer.WEIGHT_KEY),
                got.getFirst().getGradientFor(ConvolutionParamInitializer.WEIGHT_KEY), c + " weight gradient");
        if (c.bias) {
            assertClose(ref.getFirst().getGradientFor(ConvolutionParamInitializer.BIAS_KEY),
                    got.getFirst().getGradientFor(ConvolutionParamInitializer.BIAS_KEY), c + " bias gradient");
        }
        Pair<Gradient, INDArray> again = backward(ours, c, x, w, b, delta);
        assertArrayEquals(got.getSecond().data().asFloat(), again.getSecond().data().asFloat(),
                c + ": a second backward call must give the same bits");
        assertArrayEquals(got.getFirst().getGradientFor(ConvolutionParamInitializer.WEIGHT_KEY).data().asFloat(),
                again.getFirst().getGradientFor(ConvolutionParamInitializer.WEIGHT_KEY).data().asFloat(),
                c + ": a second backward call must give the same weight gradient");
    }

    private static Pair<Gradient, INDArray> backward(MKLDNNConvHelper helper, Case c, INDArray x, INDArray w,
                                                     INDArray b, INDArray delta) {
        INDArray dw = Nd4j.zeros(DataType.FLOAT, w.shape());
        INDArray db = c.bias ? Nd4j.zeros(DataType.FLOAT, 1, c.outC) : null;
        return helper.backpropGradient(x, w, b, delta, c.kernel(), c.strides(), c.pad(), db, dw,
                new ActivationIdentity(), AlgoMode.PREFER_FASTEST, null, null, c.mode, NO_DILATION, CNN2DFormat.NCHW,
                NO_WS);
    }

    private record Pool(int batch, int channels, int size, int window, int stride, int padding, ConvolutionMode mode,
                        PoolingType type) {
        int[] kernel() {
            return new int[] {window, window};
        }

        int[] strides() {
            return new int[] {stride, stride};
        }

        int[] pad() {
            return new int[] {padding, padding};
        }
    }

    @Test
    void batchNormMatchesDl4jsHelper() {
        NativeRuntime.configure();
        long[][] shapes = {{4, 24, 17, 17}, {3, 40, 9, 9}, {2, 16, 35, 35}, {4, 64, 3, 3}};
        int seed = 70;
        for (long[] shape : shapes) {
            long c = shape[1];
            INDArray x = random(seed++, shape).muli(3).addi(0.7);
            INDArray gamma = random(seed++, 1, c).addi(1.5);
            INDArray beta = random(seed++, 1, c);
            INDArray globalMean = Nd4j.zeros(DataType.FLOAT, 1, c);
            INDArray globalVar = Nd4j.ones(DataType.FLOAT, 1, c);
            MKLDNNBatchNormHelper reference = new MKLDNNBatchNormHelper(DataType.FLOAT);
            OneDnnBatchNorm ours = new OneDnnBatchNorm(DataType.FLOAT);
            String what = java.util.Arrays.toString(shape);
            INDArray expected = reference.preOutput(x, true, shape, gamma, beta, globalMean, globalVar, 0.9, 1e-3,
                    CNN2DFormat.NCHW, NO_WS);
            INDArray actual = ours.preOutput(x, true, shape, gamma, beta, globalMean, globalVar, 0.9, 1e-3,
                    CNN2DFormat.NCHW, NO_WS);
            assertClose(expected, actual, what + " forward");
            assertClose(reference.getMeanCache(DataType.FLOAT), ours.getMeanCache(DataType.FLOAT), what + " batch mean");
            assertClose(reference.getVarCache(DataType.FLOAT), ours.getVarCache(DataType.FLOAT), what + " batch variance");

            INDArray dy = random(seed++, shape);
            INDArray[] ref = bnBackward(reference, x, dy, gamma, beta, shape, 1e-3);
            INDArray[] got = bnBackward(ours, x, dy, gamma, beta, shape, 1e-3);
            assertClose(ref[0], got[0], what + " input gradient");
            assertClose(ref[1], got[1], what + " scale gradient");
            assertClose(ref[2], got[2], what + " shift gradient");
            INDArray[] again = bnBackward(ours, x, dy, gamma, beta, shape, 1e-3);
            assertArrayEquals(got[0].data().asFloat(), again[0].data().asFloat(), what + ": a second call, same bits");

            assertFalse(ours.forwardRectified(), what + ": a helper not made to rectify never does");

            // the helper OneDnnLayers puts under a BatchNormReluLayer: ReLU of the same forward, and
            // the gradients of the normalized output masked where the rectified one is zero
            INDArray rectified = Transforms.relu(expected, true);
            INDArray maskedDy = dy.mul(rectified.gt(0).castTo(DataType.FLOAT));
            INDArray[] refMasked = bnBackward(reference, x, maskedDy, gamma, beta, shape, 1e-3);
            OneDnnBatchNorm rectifying = new OneDnnBatchNorm(DataType.FLOAT, true);
            assertClose(rectified, rectifying.preOutput(x, true, shape, gamma, beta, globalMean, globalVar, 0.9,
                    1e-3, CNN2DFormat.NCHW, NO_WS), what + " rectified forward");
            assertTrue(rectifying.forwardRectified(), what);
            INDArray[] gotMasked = bnBackward(rectifying, x, dy, gamma, beta, shape, 1e-3);
            assertTrue(rectifying.backwardRectified(), what);
            for (int i = 0; i < 3; i++) {
                assertClose(refMasked[i], gotMasked[i], what + " rectified, gradient " + i);
            }
            rectifying.preOutput(x, false, shape, gamma, beta, globalMean, globalVar, 0.9, 1e-3, CNN2DFormat.NCHW,
                    NO_WS);
            assertFalse(rectifying.forwardRectified(), what + ": inference never rectifies");

            // every route: blocked copies and DL4J's NCHW arrays, with and without the ReLU
            for (boolean blocked : new boolean[] {true, false}) {
                for (boolean relu : new boolean[] {false, true}) {
                    BatchNormPlan plan = BatchNormPlan.of(new BatchNormPlan.Shape(shape[0], shape[1], shape[2],
                            shape[3], 1e-3f, relu), blocked);
                    assertNotNull(plan, what + ": oneDNN has batch norm on both layouts");
                    String how = what + ", " + plan.implementations() + (relu ? ", ReLU" : "");
                    assertEquals(blocked, plan.copies(), how);
                    assertEquals(relu, plan.reluMaskBytes() > 0, how);
                    INDArray mask = Nd4j.createUninitialized(DataType.UBYTE, Math.max(1, plan.reluMaskBytes()));
                    Span maskAddress = relu ? Span.of(mask) : Span.NONE;
                    INDArray y = Nd4j.createUninitialized(DataType.FLOAT, shape);
                    INDArray mean = Nd4j.createUninitialized(DataType.FLOAT, c);
                    INDArray variance = Nd4j.createUninitialized(DataType.FLOAT, c);
                    plan.forward(Span.of(x), Span.of(gamma), Span.of(beta),
                            Span.of(y), Span.of(mean), Span.of(variance),
                            maskAddress);
                    assertClose(relu ? rectified : expected, y, how + " forward");
                    INDArray refVar = reference.getVarCache(DataType.FLOAT);
                    assertClose(refVar, variance.reshape(refVar.shape()), how + " batch variance");
                    INDArray dx = Nd4j.createUninitialized(DataType.FLOAT, shape);
                    INDArray dGamma = Nd4j.createUninitialized(DataType.FLOAT, c);
                    INDArray dBeta = Nd4j.createUninitialized(DataType.FLOAT, c);
                    plan.backward(Span.of(x), Span.of(mean),
                            Span.of(variance), maskAddress, Span.of(dy),
                            Span.of(gamma), Span.of(beta), Span.of(dx),
                            Span.of(dGamma), Span.of(dBeta));
                    INDArray[] want = relu ? refMasked : ref;
                    assertClose(want[0], dx, how + " input gradient");
                    assertClose(want[1], dGamma.reshape(want[1].shape()), how + " scale gradient");
                    assertClose(want[2], dBeta.reshape(want[2].shape()), how + " shift gradient");
                }
            }
        }
    }

    @Test
    void poolingLayersMatchDl4jsHelper() {
        NativeRuntime.configure();
        Pool[] cases = {
            new Pool(4, 24, 35, 3, 2, 0, ConvolutionMode.Truncate, PoolingType.MAX),
            new Pool(3, 20, 36, 3, 2, 0, ConvolutionMode.Truncate, PoolingType.MAX),
            new Pool(4, 24, 17, 3, 1, 1, ConvolutionMode.Same, PoolingType.AVG),
            new Pool(4, 16, 8, 3, 1, 1, ConvolutionMode.Same, PoolingType.MAX),
            new Pool(2, 40, 17, 5, 3, 0, ConvolutionMode.Truncate, PoolingType.AVG),
            // one image's 16-channel slice of 5.7 MB: beyond what oneDNN takes on NCHW, on these machines
            new Pool(1, 16, 299, 3, 2, 0, ConvolutionMode.Truncate, PoolingType.MAX),
        };
        int seed = 50;
        for (Pool c : cases) {
            int[] kernel = c.kernel();
            int[] strides = c.strides();
            int[] pad = c.pad();
            int[] dilation = NO_DILATION;
            MKLDNNSubsamplingHelper reference = new MKLDNNSubsamplingHelper(DataType.FLOAT);
            OneDnnPooling ours = new OneDnnPooling(DataType.FLOAT);
            INDArray wide = random(seed++, c.batch, c.channels + 3, c.size, c.size);
            for (INDArray x : new INDArray[] {random(seed++, c.batch, c.channels, c.size, c.size),
                    wide.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 1 + c.channels), NDArrayIndex.all(),
                            NDArrayIndex.all())}) {
                INDArray expected = reference.activate(x, true, kernel, strides, pad, c.type, c.mode, dilation,
                        CNN2DFormat.NCHW, NO_WS);
                INDArray actual = ours.activate(x, true, kernel, strides, pad, c.type, c.mode, dilation,
                        CNN2DFormat.NCHW, NO_WS);
                assertArrayEquals(expected.shape(), actual.shape(), c.toString());
                assertClose(expected, actual, c + " forward");
                INDArray dy = random(seed++, expected.shape());
                INDArray dxRef = reference.backpropGradient(x, dy, kernel, strides, pad, c.type, c.mode, dilation,
                        CNN2DFormat.NCHW, NO_WS).getSecond();
                INDArray dx = ours.backpropGradient(x, dy, kernel, strides, pad, c.type, c.mode, dilation,
                        CNN2DFormat.NCHW, NO_WS).getSecond();
                assertClose(dxRef, dx, c + " input gradient");

                // the other route, whichever the helper took: the plan on NHWC copies, or on NCHW itself
                PoolingPlan taken = ours.plan(c.batch, c.channels, c.size, c.size, kernel, strides, pad, c.type,
                        c.mode, dilation);
                PoolingPlan other = PoolingPlan.of(taken.shape(), !taken.copies());
                assertTrue(other == null || other.copies() != taken.copies(), c.toString());
                if (other != null) {
                    INDArray xc = OneDnnLayers.contiguous(x);
                    INDArray y = Nd4j.createUninitialized(DataType.FLOAT, expected.shape());
                    INDArray dx2 = Nd4j.createUninitialized(DataType.FLOAT, x.shape());
                    other.forward(Span.of(xc), Span.of(y));
                    other.backward(Span.of(xc), Span.of(dy), Span.of(dx2));
                    assertClose(expected, y, c + " forward, " + other.implementations());
                    assertClose(dxRef, dx2, c + " input gradient, " + other.implementations());
                }
            }
        }
    }

    /**
     * The whole network through both paths. This narrow network (width 0.1, batch 4: its batch
     * norms average few values) is ill-conditioned, so the yardstick is its own sensitivity:
     * libnd4j's gradient for the input perturbed by a relative 1e-6, about 16 float roundings
     * (a 1e-7 perturbation already moved the worst tensor, a batch-norm shift whose gradient is a
     * sum that nearly cancels, by 4.6e-2). The oneDNN path differs from libnd4j's by rounding in
     * every one of ~200 layers (other kernels, Winograd, batch statistics summed in another
     * order), which must stay within that; a wrong padding, layout or statistic moves gradients
     * by their own size.
     */
    @Test
    void everyGradientOfASmallInceptionMatchesDl4jsHelpersWithinTheNetworksRoundingSensitivity() {
        NativeRuntime.configure();
        ModelConfig spec = ModelConfig.paper(ModelConfig.INCEPTION_V3, 5).with("input-size", 79).with("width-multiplier", 0.1);
        ComputationGraphConfiguration conf = ModelZoo.build(spec, 3);
        ComputationGraph reference = new ComputationGraph(conf.clone());
        reference.init();
        ComputationGraph ours = new ComputationGraph(conf.clone());
        ours.init();
        int installed = OneDnnLayers.install(ours);
        Map<String, Integer> before = NativeRuntime.helperCounts(reference);
        Map<String, Integer> after = NativeRuntime.helperCounts(ours);
        assertEquals(before.get("MKLDNNConvHelper") + before.get("MKLDNNSubsamplingHelper")
                + before.get("MKLDNNBatchNormHelper"), installed);
        assertEquals(before.get("MKLDNNBatchNormHelper"), after.get("OneDnnBatchNorm"), after.toString());
        assertEquals(before.get("MKLDNNConvHelper"), after.get("OneDnnConvolution"), after.toString());
        assertEquals(before.get("MKLDNNSubsamplingHelper"), after.get("OneDnnPooling"), after.toString());
        ours.setParams(reference.params().dup());

        ParameterLayout layout = ParameterLayout.of(ours);
        float[] expected = message(reference, layout, 0);
        double[] yardstick = differences(layout, expected, message(reference, layout, 1e-6f));
        float[] actual = message(ours, layout, 0);
        double[] ourDifference = differences(layout, expected, actual);
        assertTrue(ourDifference[0] <= Math.max(2 * yardstick[0], 1e-6),
                "median relative difference " + ourDifference[0] + ", a 1e-6 input perturbation gives " + yardstick[0]);
        assertTrue(ourDifference[1] <= Math.max(2 * yardstick[1], 1e-6),
                "largest relative difference " + ourDifference[1] + ", a 1e-6 input perturbation gives " + yardstick[1]);
        assertArrayEquals(actual, message(ours, layout, 0), "a second call must give the same bits");
        assertTrue(OneDnnLayers.heldBytes() > 0, "the layers keep their buffers");
    }

    /** Median and largest relative L2 difference over the trainable segments. */
    private static double[] differences(ParameterLayout layout, float[] expected, float[] actual) {
        List<Double> relative = new ArrayList<>(SegmentDifferences.relative(layout, expected, actual).values());
        assertTrue(relative.size() > 100, "segments compared: " + relative.size());
        Collections.sort(relative);
        return new double[] {relative.get(relative.size() / 2), relative.get(relative.size() - 1)};
    }

    /** The gradient message for a fixed batch, its pixels scaled by 1 + u, |u| <= perturbation. */
    private static float[] message(ComputationGraph g, ParameterLayout layout, float perturbation) {
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 79, 79);
        if (perturbation != 0) {
            x.muli(random(77, x.shape()).muli(2 * perturbation).addi(1));
        }
        float[] out = new float[GradientMessage.length(layout.length())];
        new Replica(g).gradient(new Replica.Objective(5, 0.1, true), x, new int[] {0, 1, 2, 4}, 9, out);
        return out;
    }
}

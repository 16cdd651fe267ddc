package org.inceptionspark.runtime;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A convolution layer's helper that runs it through oneDNN 2.5 directly ({@link ConvolutionPlan}),
 * in place of DL4J's oneDNN helper, which calls libnd4j's {@code conv2d}/{@code conv2d_bp}: those
 * build oneDNN's primitives and allocate every reordered operand and scratchpad afresh in each
 * call, and memory fetched anew is what a step on this project's machines waited on
 * (docs/replica-performance.md, Memory touched afresh).
 * Here each shape's primitives are built once and work in pooled, kept buffers
 * ({@link PrimitiveArena}). Installed by {@link OneDnnLayers}.
 *
 * <p>Anything this path does not take (other data types, NHWC, a shape oneDNN refuses) goes to
 * DL4J's helper, the class this one extends.
 */
public final class OneDnnConvolution extends MKLDNNConvHelper {
    private final PlanCache<ConvolutionPlan.Shape, ConvolutionPlan> plans;

    public OneDnnConvolution(DataType dataType) {
        this(dataType, "(unnamed)");
    }

    /** @param layer the layer's name, for the log line of a shape that falls back to DL4J's helper */
    public OneDnnConvolution(DataType dataType, String layer) {
        super(dataType);
        plans = new PlanCache<>(layer, ConvolutionPlan::of, ConvolutionPlan::implementations);
    }

    @Override
    public INDArray preOutput(INDArray input, INDArray weights, INDArray bias, int[] kernel, int[] strides, int[] pad,
                              org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode mode,
                              org.deeplearning4j.nn.conf.layers.ConvolutionLayer.FwdAlgo fwdAlgo,
                              ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format,
                              LayerWorkspaceMgr workspaceMgr) {
        ConvolutionPlan plan = takes(input, weights, bias, format)
                ? plan(input, weights, bias != null, kernel, strides, pad, convolutionMode, dilation) : null;
        if (plan != null) {
            INDArray x = OneDnnLayers.contiguous(input);
            INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, plan.shape().dst(),
                    'c');
            try {
                plan.forward(Span.of(x), Span.of(weights), bias == null ? Span.NONE : Span.of(bias), Span.of(out));
                return out;
            } catch (OneDnnBufferException e) {
                plans.refuse(plan.shape(), e);
            }
        }
        return super.preOutput(input, weights, bias, kernel, strides, pad, mode, fwdAlgo, convolutionMode,
                dilation, format, workspaceMgr);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray weights, INDArray bias, INDArray delta,
                                                     int[] kernel, int[] strides, int[] pad, INDArray biasGradView,
                                                     INDArray weightGradView, IActivation afn,
                                                     org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode mode,
                                                     org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdFilterAlgo bwdFilterAlgo,
                                                     org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdDataAlgo bwdDataAlgo,
                                                     ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format,
                                                     LayerWorkspaceMgr workspaceMgr) {
        boolean withBias = biasGradView != null;
        ConvolutionPlan plan = takes(input, weights, bias, format) && delta.dataType() == DataType.FLOAT
                && delta.rank() == 4 && OneDnnLayers.isDense(weightGradView)
                && (!withBias || OneDnnLayers.isDense(biasGradView))
                ? plan(input, weights, withBias, kernel, strides, pad, convolutionMode, dilation)
                : null;
        if (plan != null && (plan.shape().window().outHeight() != delta.size(2)
                || plan.shape().window().outWidth() != delta.size(3))) {
            plan = null;
        }
        if (plan != null) {
            INDArray x = OneDnnLayers.contiguous(input);
            INDArray dy = OneDnnLayers.contiguous(delta);
            INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(),
                    'c');
            try {
                plan.backward(Span.of(x), Span.of(weights), Span.of(dy), Span.of(dx), Span.of(weightGradView),
                        withBias ? Span.of(biasGradView) : Span.NONE);
                Gradient g = new DefaultGradient();
                if (withBias) {
                    g.gradientForVariable().put(ConvolutionParamInitializer.BIAS_KEY, biasGradView);
                }
                g.gradientForVariable().put(ConvolutionParamInitializer.WEIGHT_KEY, weightGradView);
                return new Pair<>(g, dx);
            } catch (OneDnnBufferException e) {
                plans.refuse(plan.shape(), e);
            }
        }
        return super.backpropGradient(input, weights, bias, delta, kernel, strides, pad, biasGradView,
                weightGradView, afn, mode, bwdFilterAlgo, bwdDataAlgo, convolutionMode, dilation, format,
                workspaceMgr);
    }

    private static boolean takes(INDArray input, INDArray weights, INDArray bias, CNN2DFormat format) {
        return format == CNN2DFormat.NCHW && input.rank() == 4 && input.dataType() == DataType.FLOAT
                && weights.dataType() == DataType.FLOAT && OneDnnLayers.isDense(weights)
                && (bias == null || OneDnnLayers.isDense(bias));
    }

    /** The plan of a call on {@code batch} NCHW images of {@code inC x inH x inW}; null when oneDNN refuses it. */
    ConvolutionPlan plan(long batch, long inC, int inH, int inW, long outC, boolean bias, int[] kernel, int[] strides,
                         int[] pad, ConvolutionMode convolutionMode, int[] dilation) {
        SpatialWindow window = SpatialWindow.of(inH, inW, kernel, strides, pad, dilation, convolutionMode);
        return window == null ? null : plans.get(new ConvolutionPlan.Shape(batch, inC, outC, window, bias));
    }

    private ConvolutionPlan plan(INDArray input, INDArray weights, boolean bias, int[] kernel, int[] strides,
                                 int[] pad, ConvolutionMode convolutionMode, int[] dilation) {
        return plan(input.size(0), input.size(1), (int) input.size(2), (int) input.size(3), weights.size(0), bias,
                kernel, strides, pad, convolutionMode, dilation);
    }
}

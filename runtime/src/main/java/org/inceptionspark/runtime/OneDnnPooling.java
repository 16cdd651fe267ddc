package org.inceptionspark.runtime;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A pooling layer's helper that runs max and average pooling through oneDNN 2.5 on NHWC copies
 * ({@link PoolingPlan}), in place of DL4J's oneDNN helper, whose plain-NCHW call fell to oneDNN's
 * reference kernel on the 147x147 stem pool. Installed by {@link OneDnnLayers}; anything else
 * (sum and p-norm pooling, NHWC, dilation) goes to DL4J's helper, the class this one extends.
 */
public final class OneDnnPooling extends MKLDNNSubsamplingHelper {
    private final PlanCache<PoolingPlan.Shape, PoolingPlan> plans;

    public OneDnnPooling(DataType dataType) {
        this(dataType, "(unnamed)");
    }

    /** @param layer the layer's name, for the log line of a shape that falls back to DL4J's helper */
    public OneDnnPooling(DataType dataType, String layer) {
        super(dataType);
        plans = new PlanCache<>(layer, PoolingPlan::of, PoolingPlan::implementations);
    }

    @Override
    public INDArray activate(INDArray input, boolean training, int[] kernel, int[] strides, int[] pad,
                             PoolingType poolingType, ConvolutionMode convolutionMode, int[] dilation,
                             CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        PoolingPlan plan = takes(input, poolingType, dilation, format)
                ? plan(input.size(0), input.size(1), (int) input.size(2), (int) input.size(3), kernel, strides, pad,
                        poolingType, convolutionMode, dilation)
                : null;
        if (plan != null) {
            INDArray x = OneDnnLayers.contiguous(input);
            INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, plan.shape().dst(),
                    'c');
            try {
                plan.forward(Span.of(x), Span.of(out));
                return out;
            } catch (OneDnnBufferException e) {
                plans.refuse(plan.shape(), e);
            }
        }
        return super.activate(input, training, kernel, strides, pad, poolingType, convolutionMode, dilation,
                format, workspaceMgr);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, int[] kernel, int[] strides,
                                                     int[] pad, PoolingType poolingType,
                                                     ConvolutionMode convolutionMode, int[] dilation,
                                                     CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        PoolingPlan plan = takes(input, poolingType, dilation, format) && epsilon.dataType() == DataType.FLOAT
                && epsilon.rank() == 4
                ? plan(input.size(0), input.size(1), (int) input.size(2), (int) input.size(3), kernel, strides, pad,
                        poolingType, convolutionMode, dilation)
                : null;
        if (plan != null && (plan.shape().window().outHeight() != epsilon.size(2)
                || plan.shape().window().outWidth() != epsilon.size(3))) {
            plan = null;
        }
        if (plan != null) {
            INDArray x = OneDnnLayers.contiguous(input);
            INDArray dy = OneDnnLayers.contiguous(epsilon);
            INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(),
                    'c');
            try {
                plan.backward(Span.of(x), Span.of(dy), Span.of(dx));
                return new Pair<>(new DefaultGradient(), dx);
            } catch (OneDnnBufferException e) {
                plans.refuse(plan.shape(), e);
            }
        }
        return super.backpropGradient(input, epsilon, kernel, strides, pad, poolingType, convolutionMode, dilation,
                format, workspaceMgr);
    }

    private static boolean takes(INDArray input, PoolingType type, int[] dilation, CNN2DFormat format) {
        return format == CNN2DFormat.NCHW && input.rank() == 4 && input.dataType() == DataType.FLOAT
                && (type == PoolingType.MAX || type == PoolingType.AVG) && dilation[0] == 1 && dilation[1] == 1;
    }

    /** The plan of a call on {@code batch} NCHW images of {@code channels x inH x inW}; null when oneDNN refuses it. */
    PoolingPlan plan(long batch, long channels, int inH, int inW, int[] kernel, int[] strides, int[] pad,
                     PoolingType type, ConvolutionMode convolutionMode, int[] dilation) {
        SpatialWindow window = SpatialWindow.of(inH, inW, kernel, strides, pad, dilation, convolutionMode);
        return window == null ? null
                : plans.get(new PoolingPlan.Shape(batch, channels, window, type == PoolingType.MAX));
    }
}

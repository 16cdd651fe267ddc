package org.inceptionspark.runtime;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A batch-norm layer's helper that runs training-mode batch norm through oneDNN 2.5 directly
 * ({@link BatchNormPlan}): one primitive computes the batch statistics and normalizes, one gives
 * every gradient. Installed by {@link OneDnnLayers}. Under a layer that rectifies
 * ({@link RectifyingBatchNorm}), the same primitives apply the ReLU after it and its backward pass. Inference, NHWC, other data types and layers
 * without gamma and beta take the inherited path ({@link BatchNormBackprop}, itself on DL4J's
 * oneDNN helper).
 */
public final class OneDnnBatchNorm extends BatchNormBackprop implements RectifyingBatchNorm {
    private final PlanCache<BatchNormPlan.Shape, BatchNormPlan> plans;
    /** The batch mean and variance of the last training forward pass, outside every workspace (as DL4J's helper keeps them). */
    private INDArray mean;
    private INDArray variance;
    /** Whether the last training forward pass ran here (else the inherited path holds the statistics). */
    private boolean statisticsHere;
    /**
     * Whether training forward passes rectify (the helper of a {@link RectifyingBatchNorm.Layer}),
     * whether the last one did, and whether the last backward pass took the rectified output's
     * gradient.
     */
    private final boolean rectify;
    private boolean forwardRectified;
    private boolean backwardRectified;
    /** The last rectified forward pass's ReLU mask, outside every workspace like the statistics. */
    private INDArray reluMask;

    public OneDnnBatchNorm(DataType dataType) {
        this(dataType, false);
    }

    /** @param rectify whether training forward passes apply the ReLU after the batch norm */
    public OneDnnBatchNorm(DataType dataType, boolean rectify) {
        this(dataType, rectify, "(unnamed)");
    }

    /** @param layer the layer's name, for the log line of a shape that falls back to DL4J's path */
    public OneDnnBatchNorm(DataType dataType, boolean rectify, String layer) {
        super(dataType);
        this.rectify = rectify;
        this.plans = new PlanCache<>(layer, BatchNormPlan::of, BatchNormPlan::implementations);
    }

    @Override
    public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta,
                              INDArray globalMean, INDArray globalVar, double decay, double eps, CNN2DFormat format,
                              LayerWorkspaceMgr workspaceMgr) {
        BatchNormPlan plan = training && takes(x, gamma, beta, format)
                ? plan(x.size(0), x.size(1), x.size(2), x.size(3), eps, rectify) : null;
        forwardRectified = false;
        if (plan != null) {
            INDArray out = forward(plan, x, gamma, beta, workspaceMgr);
            if (out != null) {
                return out;
            }
        }
        if (training) {
            statisticsHere = false;
        }
        return super.preOutput(x, training, shape, gamma, beta, globalMean, globalVar, decay, eps, format,
                workspaceMgr);
    }

    /** The training forward pass on oneDNN; null when the plan failed its buffer check (then refused). */
    private INDArray forward(BatchNormPlan plan, INDArray x, INDArray gamma, INDArray beta,
                             LayerWorkspaceMgr workspaceMgr) {
        long channels = x.size(1);
        if (mean == null || mean.length() != channels) {
            try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                mean = Nd4j.createUninitialized(DataType.FLOAT, channels);
                variance = Nd4j.createUninitialized(DataType.FLOAT, channels);
            }
        }
        long maskBytes = plan.reluMaskBytes();
        if (maskBytes > 0 && (reluMask == null || reluMask.length() < maskBytes)) {
            try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                reluMask = Nd4j.createUninitialized(DataType.UBYTE, maskBytes);
            }
        }
        INDArray in = OneDnnLayers.contiguous(x);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, x.shape(), 'c');
        try {
            plan.forward(Span.of(in), Span.of(gamma), Span.of(beta), Span.of(out), Span.of(mean), Span.of(variance),
                    maskBytes > 0 ? Span.of(reluMask) : Span.NONE);
        } catch (OneDnnBufferException e) {
            plans.refuse(plan.shape(), e);
            return null;
        }
        statisticsHere = true;
        forwardRectified = maskBytes > 0;
        return out;
    }

    @Override
    public boolean forwardRectified() {
        return forwardRectified;
    }

    @Override
    public boolean backwardRectified() {
        return backwardRectified;
    }

    @Override
    public INDArray getMeanCache(DataType dataType) {
        return statisticsHere ? mean : super.getMeanCache(dataType);
    }

    @Override
    public INDArray getVarCache(DataType dataType) {
        return statisticsHere ? variance : super.getVarCache(dataType);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma,
                                                     INDArray beta, INDArray dGammaView, INDArray dBetaView, double eps,
                                                     CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        BatchNormPlan plan = statisticsHere && takes(input, gamma, beta, format) && dGammaView != null
                && dBetaView != null && OneDnnLayers.isDense(dGammaView) && OneDnnLayers.isDense(dBetaView)
                && epsilon.dataType() == DataType.FLOAT && epsilon.rank() == 4
                ? plan(input.size(0), input.size(1), input.size(2), input.size(3), eps, forwardRectified) : null;
        backwardRectified = false;
        if (plan == null) {
            return super.backpropGradient(input, epsilon, shape, gamma, beta, dGammaView, dBetaView, eps, format,
                    workspaceMgr);
        }
        INDArray x = OneDnnLayers.contiguous(input);
        INDArray dy = OneDnnLayers.contiguous(epsilon);
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c');
        try {
            plan.backward(Span.of(x), Span.of(mean), Span.of(variance), forwardRectified ? Span.of(reluMask) : Span.NONE,
                    Span.of(dy), Span.of(gamma), Span.of(beta), Span.of(dx), Span.of(dGammaView), Span.of(dBetaView));
        } catch (OneDnnBufferException e) {
            // the shape goes to DL4J's path from the next forward pass on; this one's statistics
            // (and, after a rectified forward, its ReLU mask) exist only here
            plans.refuse(plan.shape(), e);
            if (forwardRectified) {
                throw new IllegalStateException("batch norm's backward pass failed its buffer check after a"
                        + " rectified forward pass; the step must be run again", e);
            }
            return super.backpropGradient(input, epsilon, shape, gamma, beta, dGammaView, dBetaView, eps, format,
                    workspaceMgr);
        }
        backwardRectified = forwardRectified;
        Gradient g = new DefaultGradient();
        g.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
        g.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
        return new Pair<>(g, dx);
    }

    private static boolean takes(INDArray x, INDArray gamma, INDArray beta, CNN2DFormat format) {
        return x.rank() == 4 && format == CNN2DFormat.NCHW && x.dataType() == DataType.FLOAT && gamma != null
                && beta != null && gamma.dataType() == DataType.FLOAT && beta.dataType() == DataType.FLOAT
                && OneDnnLayers.isDense(gamma) && OneDnnLayers.isDense(beta) && gamma.length() == x.size(1);
    }

    /** The plan of a training call on {@code batch x channels x height x width}; null when oneDNN refuses it. */
    BatchNormPlan plan(long batch, long channels, long height, long width, double eps, boolean relu) {
        BatchNormPlan plan = plans.get(new BatchNormPlan.Shape(batch, channels, height, width, (float) eps, relu));
        // where oneDNN cannot rectify, the layer does
        return plan == null && relu ? plan(batch, channels, height, width, eps, false) : plan;
    }

    /** The plan of this helper's training calls on that shape. */
    BatchNormPlan plan(long batch, long channels, long height, long width, double eps) {
        return plan(batch, channels, height, width, eps, rectify);
    }
}

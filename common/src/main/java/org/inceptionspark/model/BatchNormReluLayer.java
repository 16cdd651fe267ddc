package org.inceptionspark.model;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.inceptionspark.runtime.RectifyingBatchNorm;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The layer of {@link BatchNormRelu}: DL4J's batch norm (with whatever helper it has, our
 * {@link org.inceptionspark.runtime.BatchNormBackprop} included), whose output is rectified in
 * place. The rectified output stays referenced until the backward pass, which turns the incoming
 * gradient into the normalized output's (zero where the output is zero, the same test as ReLU's
 * on its input) before DL4J's batch-norm backward runs. A helper that rectifies within its own
 * primitives ({@link RectifyingBatchNorm}: oneDNN's, in training) does both instead.
 */
public class BatchNormReluLayer extends BatchNormalization implements RectifyingBatchNorm.Layer {
    private INDArray rectified;
    /** Whether the helper rectified the last forward pass's output (and so takes its gradient). */
    private boolean rectifiedByHelper;

    public BatchNormReluLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        INDArray out = super.activate(training, workspaceMgr);
        rectifiedByHelper = getHelper() instanceof RectifyingBatchNorm fused && fused.forwardRectified();
        if (rectifiedByHelper) {
            rectified = out;
            return out;
        }
        // DL4J's built-in path can return an array it keeps for its own backward pass (xHat, or the
        // input itself): never rectify those in place.
        if (out == xHat || out.data() == input.data()) {
            out = workspaceMgr.dup(ArrayType.ACTIVATIONS, out);
        }
        Nd4j.exec(new RectifiedLinear(out, out));
        rectified = out;
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (rectified == null) {
            throw new IllegalStateException("BatchNormRelu layer " + layerId() + ": backward pass without a forward pass");
        }
        if (rectifiedByHelper) {
            Pair<Gradient, INDArray> out = super.backpropGradient(epsilon, workspaceMgr);
            if (!((RectifyingBatchNorm) getHelper()).backwardRectified()) {
                throw new IllegalStateException("BatchNormRelu layer " + layerId()
                        + ": its helper rectified the forward pass but did not run the backward pass"
                        + " (DL4J's fallback has no ReLU); see the log above");
            }
            return out;
        }
        INDArray gradNormalized = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, epsilon.dataType(),
                epsilon.shape(), 'c');
        Nd4j.exec(new RectifiedLinearDerivative(rectified, epsilon, gradNormalized));
        return super.backpropGradient(gradNormalized, workspaceMgr);
    }

    @Override
    public void clear() {
        super.clear();
        rectified = null;
        rectifiedByHelper = false;
    }
}

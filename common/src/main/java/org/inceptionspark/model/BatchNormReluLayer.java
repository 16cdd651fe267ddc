package org.inceptionspark.model;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
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
 * on its input) before DL4J's batch-norm backward runs.
 */
public class BatchNormReluLayer extends BatchNormalization {
    private INDArray rectified;

    public BatchNormReluLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        INDArray out = super.activate(training, workspaceMgr);
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
        INDArray gradNormalized = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, epsilon.dataType(),
                epsilon.shape(), 'c');
        Nd4j.exec(new RectifiedLinearDerivative(rectified, epsilon, gradNormalized));
        return super.backpropGradient(gradNormalized, workspaceMgr);
    }

    @Override
    public void clear() {
        super.clear();
        rectified = null;
    }
}

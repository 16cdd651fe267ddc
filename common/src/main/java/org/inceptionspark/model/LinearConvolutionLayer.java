package org.inceptionspark.model;

import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The layer of {@link LinearConvolution}. During the backward pass, DL4J's request for the
 * pre-activation output is answered with the incoming gradient itself, which has its shape: the
 * identity's backward pass checks the shape and returns the gradient, so the result is the same
 * bits without the forward convolution run again and without a cached copy. The layer never
 * caches its output, whatever the network's cache mode.
 */
public class LinearConvolutionLayer extends ConvolutionLayer {
    private INDArray backpropEpsilon;

    public LinearConvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public void setCacheMode(CacheMode mode) {
        super.setCacheMode(CacheMode.NONE);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        backpropEpsilon = epsilon;
        try {
            return super.backpropGradient(epsilon, workspaceMgr);
        } finally {
            backpropEpsilon = null;
        }
    }

    @Override
    protected Pair<INDArray, INDArray> preOutput(boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
        if (forBackprop && backpropEpsilon != null) {
            return new Pair<>(backpropEpsilon, null);
        }
        return super.preOutput(training, forBackprop, workspaceMgr);
    }
}

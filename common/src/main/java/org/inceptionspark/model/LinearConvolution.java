package org.inceptionspark.model;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A convolution without activation (the one before each batch norm), as a layer whose backward
 * pass does not ask for its own output ({@link LinearConvolutionLayer}). DL4J's convolution
 * backward reads its pre-activation output z only to pass it to the activation's backward pass,
 * which for the identity ignores it; to have z it either recomputes the whole forward convolution
 * (cache mode NONE) or keeps a copy of every convolution's output from the forward pass in the
 * activation workspace (HOST; docs/replica-performance.md, Workspaces and memory).
 */
public class LinearConvolution extends ConvolutionLayer {

    /** For JSON. */
    public LinearConvolution() {
        super();
    }

    private LinearConvolution(Builder builder) {
        super(builder);
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray paramsView, boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet("LinearConvolution", getLayerName(), layerIndex, getNIn(), getNOut());
        if (!(getActivationFn() instanceof ActivationIdentity)) {
            throw new IllegalArgumentException("LinearConvolution " + getLayerName()
                    + " needs the identity activation, got " + getActivationFn());
        }
        return LayerWiring.wire(new LinearConvolutionLayer(conf, networkDataType), initializer(), conf, listeners,
                layerIndex, paramsView, initializeParams);
    }

    @Override
    public LinearConvolution clone() {
        return (LinearConvolution) super.clone();
    }

    /** DL4J's convolution builder, building this class. */
    public static final class Builder extends ConvolutionLayer.Builder {
        public Builder(int kh, int kw) {
            super(kh, kw);
        }

        @Override
        public LinearConvolution build() {
            super.build(); // DL4J's validation of kernel, stride, padding and mode
            return new LinearConvolution(this);
        }
    }
}

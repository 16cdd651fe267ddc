package org.inceptionspark.model;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Max pooling as a layer whose forward pass goes through its helper ({@link MaxPoolingLayer}).
 * DL4J 1.0.0-M2.1's subsampling layer calls its helper only in the backward pass and runs the
 * forward as libnd4j's {@code maxpool2d}, which hands oneDNN the NCHW array itself; on
 * Inception-v3's 147x147 stem pool that falls to oneDNN's reference kernel
 * (docs/replica-performance.md, Pooling).
 */
public class MaxPooling extends SubsamplingLayer {

    /** For JSON. */
    public MaxPooling() {
        super();
    }

    private MaxPooling(Builder builder) {
        super(builder);
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray paramsView, boolean initializeParams, DataType networkDataType) {
        if (getPoolingType() != org.deeplearning4j.nn.conf.layers.PoolingType.MAX) {
            throw new IllegalArgumentException("MaxPooling " + getLayerName() + " needs max pooling, got "
                    + getPoolingType());
        }
        return LayerWiring.wire(new MaxPoolingLayer(conf, networkDataType), initializer(), conf, listeners,
                layerIndex, paramsView, initializeParams);
    }

    @Override
    public MaxPooling clone() {
        return (MaxPooling) super.clone();
    }

    /** DL4J's subsampling builder for max pooling, building this class. */
    public static final class Builder extends SubsamplingLayer.Builder {
        public Builder() {
            // the conf package's PoolingType: inside this class the name means SubsamplingLayer's own enum
            super(org.deeplearning4j.nn.conf.layers.PoolingType.MAX);
        }

        @Override
        public MaxPooling build() {
            super.build(); // DL4J's validation of kernel, stride, padding and mode
            return new MaxPooling(this);
        }
    }
}

package org.inceptionspark.model;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * TF-slim's batch norm followed by its ReLU, as one DL4J layer ({@link BatchNormReluLayer}). As two
 * layers (DL4J's batch norm, then an activation layer) every convolution unit kept three full-size
 * tensors for the backward pass: the convolution's output, the normalized one and the rectified
 * one. Here the ReLU runs in place on the normalized output, and its backward pass reads the
 * rectified output (positive exactly where the normalized value was), so a unit keeps two and
 * computes the same numbers bit for bit.
 *
 * <p>{@code scaleFrozen} gives the TF reference's batch norm without a learned scale: the scale
 * stays at 1 with a {@link NoOp} updater, which the driver's parameter layout reads as "never
 * updated" (DL4J's {@code lockGammaBeta} would fix the shift too). A SameDiff layer adding the
 * shift was tried first: DL4J 1.0.0-M2.1 returns twice the true error from such a layer's backward
 * pass (measured by finite differences).
 */
public class BatchNormRelu extends BatchNormalization {
    private boolean scaleFrozen;

    /** DL4J's defaults (the no-argument constructor runs DL4J's builder); also for JSON. */
    public BatchNormRelu() {
        super();
    }

    public static BatchNormRelu of(double decay, double epsilon, boolean learnedScale) {
        BatchNormRelu bn = new BatchNormRelu();
        bn.setDecay(decay);
        bn.setEps(epsilon);
        bn.scaleFrozen = !learnedScale;
        return bn;
    }

    public boolean isScaleFrozen() {
        return scaleFrozen;
    }

    public void setScaleFrozen(boolean scaleFrozen) {
        this.scaleFrozen = scaleFrozen;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray paramsView, boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNOutSet("BatchNormRelu", getLayerName(), layerIndex, getNOut());
        return LayerWiring.wire(new BatchNormReluLayer(conf, networkDataType), initializer(), conf, listeners,
                layerIndex, paramsView, initializeParams);
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        return scaleFrozen && BatchNormalizationParamInitializer.GAMMA.equals(paramName)
                ? new NoOp() : super.getUpdaterByParam(paramName);
    }

    @Override
    public BatchNormRelu clone() {
        return (BatchNormRelu) super.clone();
    }
}

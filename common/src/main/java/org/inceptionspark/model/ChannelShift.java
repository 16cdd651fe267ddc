package org.inceptionspark.model;

import java.util.Map;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Adds a learned per-channel offset (batch norm's beta) to NCHW activations.
 *
 * <p>Why it exists: the TF reference's batch norm is shift-only (beta, no gamma), but DL4J's
 * BatchNormalization can only learn both or neither ({@code lockGammaBeta}). So a shift-only
 * batch norm is DL4J's batch norm with gamma and beta locked at 1 and 0, followed by this layer.
 * Its parameter is a bias parameter, so the engine's weight decay (weights only) skips it.
 */
public class ChannelShift extends SameDiffLayer {
    public static final String BETA = "beta";
    private static final long serialVersionUID = 1L;

    private long channels;

    /** For JSON deserialization; the channel count arrives with the input type. */
    public ChannelShift() {
    }

    public long getChannels() {
        return channels;
    }

    public void setChannels(long channels) {
        this.channels = channels;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return inputType;
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (!(inputType instanceof InputType.InputTypeConvolutional conv)) {
            throw new IllegalArgumentException("ChannelShift needs convolutional input, got " + inputType);
        }
        if (channels <= 0 || override) {
            channels = conv.getChannels();
        }
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.addBiasParam(BETA, 1, channels, 1, 1);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        params.get(BETA).assign(0);
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable layerInput, Map<String, SDVariable> paramTable,
                                  SDVariable mask) {
        return layerInput.add(paramTable.get(BETA));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChannelShift c && c.channels == channels && super.equals(o);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(channels) * 31 + super.hashCode();
    }
}

package org.inceptionspark.model;

import org.inceptionspark.config.ModelConfig;

import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;

/**
 * Counts a configuration's parameters and multiply-adds from the layers' own parameter
 * initializers and the shapes DL4J infers for every vertex, so the figures describe the
 * graph that is actually built rather than a table typed in by hand.
 */
final class ModelCost {

    static ModelSummary of(ModelConfig spec, ComputationGraphConfiguration conf) {
        Map<String, InputType> outputs = conf.getLayerActivationTypes(
                InputType.convolutional(spec.inputSize(), spec.inputSize(), 3));
        long total = 0;
        long movingStatistics = 0;
        long frozenScales = 0;
        long multiplyAdds = 0;
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (!(e.getValue() instanceof LayerVertex vertex)) {
                continue;
            }
            Layer layer = vertex.getLayerConf().getLayer();
            total += layer.initializer().numParams(layer);
            if (layer instanceof BatchNormalization bn) {
                // Moving mean and variance: state, not trained by the optimizer.
                movingStatistics += 2 * bn.getNOut();
                if (layer instanceof BatchNormRelu unit && unit.isScaleFrozen()) {
                    // A scale frozen at 1 is a constant of the network, not a parameter (TF/Keras have none).
                    frozenScales += bn.getNOut();
                }
            }
            multiplyAdds += multiplyAdds(layer, outputs.get(e.getKey()));
        }
        return new ModelSummary(spec.name(), spec.inputSize(), spec.classes(), spec.auxHead(),
                total - movingStatistics - frozenScales, total - frozenScales, multiplyAdds);
    }

    /** Convolutions: kh*kw*cin*cout*hout*wout; fully connected: in*out; everything else: 0. */
    private static long multiplyAdds(Layer layer, InputType output) {
        if (layer instanceof ConvolutionLayer conv && output instanceof InputType.InputTypeConvolutional out) {
            int[] k = conv.getKernelSize();
            return (long) k[0] * k[1] * conv.getNIn() * conv.getNOut() * out.getHeight() * out.getWidth();
        }
        if (layer instanceof FeedForwardLayer ff && !(layer instanceof ConvolutionLayer)
                && !(layer instanceof BatchNormalization)) {
            return ff.getNIn() * ff.getNOut();
        }
        return 0;
    }

    private ModelCost() {
    }
}

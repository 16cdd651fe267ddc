package org.inceptionspark.model;

import org.inceptionspark.config.ModelConfig;

import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.inceptionspark.runtime.NativeRuntime;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The networks this project trains, built as DL4J computation graphs (NCHW, float), and the one
 * place that makes network objects of them ({@link #instantiate}, {@link #dl4jNetwork}), through
 * the native runtime's {@link NativeRuntime#build}, which sets the process up first.
 * Output layers are named {@code "output"} and, with auxiliary heads, {@code "aux_output"}
 * (Inception-v3) or {@code "aux1_output"}, {@code "aux2_output"} (GoogLeNet), in that order.
 */
public final class ModelZoo {
    private static final int PAPER_INPUT_SIZE = 224;

    /**
     * Names accepted by {@link #build}: inception_v3, googlenet, vgg_a .. vgg_e. The list is the
     * configuration's ({@link ModelConfig#NAMES}, what {@code model.name} accepts), so a name the
     * configuration takes is one the zoo builds.
     */
    public static List<String> names() {
        return ModelConfig.NAMES;
    }

    /**
     * The network's configuration; {@code seed} seeds its weight initialisation and dropout.
     * Weight decay and label smoothing are not part of it: the training engine applies them.
     */
    public static ComputationGraphConfiguration build(ModelConfig spec, long seed) {
        if (!spec.name().equals(InceptionV3.NAME) && spec.inputSize() != PAPER_INPUT_SIZE) {
            // Their classifiers are defined on the 7x7 grid of a 224x224 crop (VGG's FC-4096 sizes
            // depend on it); another size would silently build a different network.
            throw new IllegalArgumentException(spec.name() + " is defined for " + PAPER_INPUT_SIZE + "x"
                    + PAPER_INPUT_SIZE + " input, got input-size " + spec.inputSize());
        }
        return switch (spec.name()) {
            case InceptionV3.NAME -> InceptionV3.build(spec, seed);
            case GoogLeNet.NAME -> GoogLeNet.build(spec, seed);
            default -> {
                if (!spec.isVgg() || !names().contains(spec.name())) {
                    throw new IllegalArgumentException("unknown model '" + spec.name() + "'; known: " + names());
                }
                yield Vgg.build(spec, seed);
            }
        };
    }

    /**
     * The network of a configuration as it trains: initialised from its seed, with the
     * configuration's cache mode on every layer and, where DL4J's oneDNN helpers are on,
     * convolutions, pooling and batch norm on oneDNN directly ({@link NativeRuntime.Layers#ONEDNN}).
     */
    public static ComputationGraph instantiate(ComputationGraphConfiguration conf) {
        return NativeRuntime.build(conf, null, NativeRuntime.Layers.ONEDNN);
    }

    /**
     * The network of a configuration on DL4J's own layers ({@link NativeRuntime.Layers#DL4J}), for
     * evaluation, export and parameter layouts: initialised from its seed when {@code params} is
     * null, otherwise holding {@code params} itself as its parameters.
     */
    public static ComputationGraph dl4jNetwork(ComputationGraphConfiguration conf, INDArray params) {
        return NativeRuntime.build(conf, params, NativeRuntime.Layers.DL4J);
    }

    /** Parameter counts and multiply-adds per image, read off the built configuration. */
    public static ModelSummary summarize(ModelConfig spec) {
        return ModelCost.of(spec, build(spec, 0L));
    }

    private ModelZoo() {
    }
}

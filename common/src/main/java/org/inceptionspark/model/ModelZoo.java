package org.inceptionspark.model;

import org.inceptionspark.config.ModelConfig;

import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.inceptionspark.runtime.BatchNormBackprop;
import org.inceptionspark.runtime.OneDnnLayers;

/**
 * The networks this project trains, built as DL4J computation graphs (NCHW, float).
 * Output layers are named {@code "output"} and, with auxiliary heads, {@code "aux_output"}
 * (Inception-v3) or {@code "aux1_output"}, {@code "aux2_output"} (GoogLeNet), in that order.
 */
public final class ModelZoo {
    private static final int PAPER_INPUT_SIZE = 224;

    static {
        // Networks built from zoo configurations get DL4J's oneDNN helpers (see NativeRuntime).
        org.inceptionspark.runtime.NativeRuntime.configure();
    }

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
     * The network of a configuration, initialised, with the configuration's cache mode on every
     * layer: {@code init()} applies it to the graph's workspaces only, and a layer left at none
     * recomputes its forward output in the backward pass (docs/replica-performance.md, Workspaces
     * and memory), and, where DL4J's oneDNN
     * helpers are on, convolutions, pooling and batch norm on oneDNN directly ({@link OneDnnLayers})
     * or, where that path is off, batch norm's backward pass by {@link BatchNormBackprop}.
     */
    public static ComputationGraph instantiate(ComputationGraphConfiguration conf) {
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        graph.setCacheMode(conf.getCacheMode());
        // oneDNN's own layers first; BatchNormBackprop then takes the batch norms they leave to DL4J's helper
        OneDnnLayers.install(graph);
        BatchNormBackprop.install(graph);
        return graph;
    }

    /** Parameter counts and multiply-adds per image, read off the built configuration. */
    public static ModelSummary summarize(ModelConfig spec) {
        return ModelCost.of(spec, build(spec, 0L));
    }

    private ModelZoo() {
    }
}

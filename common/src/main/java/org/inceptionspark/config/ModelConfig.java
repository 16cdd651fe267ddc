package org.inceptionspark.config;

import java.io.Serializable;
import org.deeplearning4j.nn.conf.CacheMode;
import java.util.List;

/**
 * {@code inception.model}: the network and its regularisation. The {@code batch-norm} and
 * {@code init} sub-sections are flattened into {@code bn*} and {@code *InitStddev} components.
 * {@code initFrom} (empty: none) names the model whose tensors a new run starts from, {@code initFromLayers}
 * which of its layers (comma separated; empty: every tensor the configured network has by name).
 */
public record ModelConfig(
        String name,
        int inputSize,
        int classes,
        double widthMultiplier,
        int minDepth,
        boolean auxHead,
        double auxLossWeight,
        double dropoutKeep,
        double labelSmoothing,
        double weightDecay,
        double bnDecay,
        double bnEpsilon,
        boolean bnScale,
        double convInitStddev,
        double auxConvInitStddev,
        double auxFcInitStddev,
        double fcInitStddev,
        CacheMode cacheMode,
        String initFrom,
        String initFromLayers) implements Serializable {

    public static final String INCEPTION_V3 = "inception_v3";
    public static final String GOOGLENET = "googlenet";

    /** Every value {@code model.name} accepts. */
    public static final List<String> NAMES =
            List.of(INCEPTION_V3, GOOGLENET, "vgg_a", "vgg_b", "vgg_c", "vgg_d", "vgg_e");

    /** Inception-v3's input sizes: 299, and the section-9 low-resolution variants of about the same cost. */
    public static final List<Integer> INCEPTION_V3_INPUT_SIZES = List.of(299, 151, 79);

    /** Smallest input the other networks' five 2x reductions leave at least 1x1 of. */
    public static final int MIN_INPUT_SIZE = 32;

    /** {@code init-from-layers} as a set of layer names; empty for every tensor. */
    public java.util.Set<String> initFromLayerSet() {
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        for (String l : initFromLayers.split(",")) {
            if (!l.isBlank()) {
                out.add(l.trim());
            }
        }
        return out;
    }

    public boolean isVgg() {
        return name.startsWith("vgg_");
    }
}

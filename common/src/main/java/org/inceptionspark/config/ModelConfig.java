package org.inceptionspark.config;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.CacheMode;

/**
 * {@code inception.model}: the network and its regularisation, and what the model zoo builds a
 * network from ({@code ModelZoo.build}; label smoothing and weight decay are the engine's). The
 * {@code batch-norm} and {@code init} sub-sections are flattened into {@code bn*} and
 * {@code *InitStddev} components. {@code initFrom} (empty: none) names the model whose tensors a
 * new run starts from, {@code initFromLayers} which of its layers (comma separated; empty: every
 * tensor the configured network has by name).
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

    /** TF-slim's {@code depth(d) = max(int(d * depth_multiplier), min_depth)}. */
    public int depth(int channels) {
        return Math.max((int) (channels * widthMultiplier), minDepth);
    }

    /**
     * The network {@code name} as its paper trained it, for K classes: Inception-v3 with
     * reference.conf's recipe at 299x299; GoogLeNet at 224x224 with both auxiliary heads weighted
     * 0.3 and 40% dropout before the classifier; VGG A-E at 224x224 with dropout 0.5 (the values of
     * conf/googlenet-imagenet.conf and conf/vgg16-imagenet.conf).
     *
     * @throws InvalidConfigException for an unknown name, naming the known ones
     */
    public static ModelConfig paper(String name, int classes) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model.name", name);
        m.put("model.classes", classes);
        if (name.equals(GOOGLENET)) {
            m.put("model.input-size", 224);
            m.put("model.aux-head", true);
            m.put("model.aux-loss-weight", 0.3);
            m.put("model.dropout-keep", 0.6);
        } else if (name.startsWith("vgg_")) {
            m.put("model.input-size", 224);
            m.put("model.aux-head", false);
            m.put("model.aux-loss-weight", 0.0);
            m.put("model.dropout-keep", 0.5);
        }
        return ConfigLoader.defaults().with(m).model();
    }

    /**
     * A copy with one key of the section changed ({@code "width-multiplier"}, {@code "batch-norm.scale"}),
     * checked as a configuration file's value would be.
     *
     * @throws InvalidConfigException naming the key when the value is not allowed
     */
    public ModelConfig with(String key, Object value) {
        return ConfigLoader.defaults().withModel(this).with("model." + key, value).model();
    }
}

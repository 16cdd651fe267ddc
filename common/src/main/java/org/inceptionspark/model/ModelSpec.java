package org.inceptionspark.model;

import java.util.Objects;

/**
 * What the model zoo needs to build one network: the {@code inception.model} section of the
 * configuration minus what the training engine applies itself (label smoothing, weight decay).
 *
 * <p>{@code fcStddev} is {@code inception.model.init.fc-stddev}:
 * the tie-breaking TF reference ({@code inception/slim/ops.py}, {@code fc(..., stddev=0.01)})
 * initialises the logits with 0.01, a number that belongs in configuration like the others
 * (proposed key {@code inception.model.init.fc-stddev}).
 *
 * @param name            one of {@link ModelZoo#names()}
 * @param inputSize       input height = width; inception_v3 accepts 299, 151 and 79
 * @param classes         number of classes K of every classifier
 * @param widthMultiplier TF-slim depth_multiplier applied to every convolution's channel count and to the
 *                        hidden fully connected widths of VGG and of GoogLeNet's auxiliary heads
 * @param minDepth        TF-slim min_depth: no multiplied convolution gets fewer channels
 * @param auxHead         add the auxiliary classifier(s)
 * @param auxLossWeight   weight of each auxiliary loss in the total loss
 * @param dropoutKeep     retain probability of the dropout before the logits (VGG: of both FC dropouts)
 * @param bnDecay         decay of the batch-norm moving statistics
 * @param bnEpsilon       epsilon added to the variance in batch norm
 * @param bnScale         learn a per-channel scale gamma; false = shift only (TF reference)
 * @param convStddev      truncated-normal stddev of convolution weights
 * @param auxConvStddev   truncated-normal stddev of the auxiliary head's convolutions
 * @param auxFcStddev     truncated-normal stddev of the auxiliary head's classifier weights
 * @param fcStddev        truncated-normal stddev of the main classifier's weights
 */
public record ModelSpec(
        String name,
        int inputSize,
        int classes,
        double widthMultiplier,
        int minDepth,
        boolean auxHead,
        double auxLossWeight,
        double dropoutKeep,
        double bnDecay,
        double bnEpsilon,
        boolean bnScale,
        double convStddev,
        double auxConvStddev,
        double auxFcStddev,
        double fcStddev) {

    /** The zoo's view of the configured model. */
    public static ModelSpec from(org.inceptionspark.config.ModelConfig m) {
        return new ModelSpec(m.name(), m.inputSize(), m.classes(), m.widthMultiplier(), m.minDepth(), m.auxHead(),
                m.auxLossWeight(), m.dropoutKeep(), m.bnDecay(), m.bnEpsilon(), m.bnScale(), m.convInitStddev(),
                m.auxConvInitStddev(), m.auxFcInitStddev(), m.fcInitStddev());
    }

    public ModelSpec {
        Objects.requireNonNull(name, "name");
        require(inputSize > 0, "input-size must be positive, got " + inputSize);
        require(classes >= 1, "classes must be at least 1, got " + classes);
        require(widthMultiplier > 0, "width-multiplier must be > 0, got " + widthMultiplier);
        require(minDepth >= 1, "min-depth must be at least 1, got " + minDepth);
        require(auxLossWeight >= 0, "aux-loss-weight must be >= 0, got " + auxLossWeight);
        require(dropoutKeep > 0 && dropoutKeep <= 1, "dropout-keep must be in (0, 1], got " + dropoutKeep);
        require(bnDecay >= 0 && bnDecay < 1, "batch-norm.decay must be in [0, 1), got " + bnDecay);
        require(bnEpsilon > 0, "batch-norm.epsilon must be > 0, got " + bnEpsilon);
        require(convStddev > 0 && auxConvStddev > 0 && auxFcStddev > 0 && fcStddev > 0,
                "init stddevs must be > 0");
    }

    /**
     * The paper's section-8 recipe for K classes at 299x299: reference.conf's defaults, read from
     * there so the recipe's numbers live in one place.
     */
    public static ModelSpec inceptionV3Defaults(int classes) {
        return from(org.inceptionspark.config.ConfigLoader.defaults().model()).withName("inception_v3").withClasses(classes);
    }

    /**
     * The zoo network {@code name} as its paper trained it, for K classes: Inception-v3 at the
     * recipe's 299x299, GoogLeNet and VGG at 224x224.
     */
    public static ModelSpec paperDefaults(String name, int classes) {
        if (name.equals(InceptionV3.NAME)) {
            return inceptionV3Defaults(classes);
        }
        if (name.equals(GoogLeNet.NAME)) {
            return googLeNetDefaults(classes);
        }
        if (Vgg.names().contains(name)) {
            return vggDefaults(name, classes);
        }
        throw new IllegalArgumentException("unknown model '" + name + "'; known: " + ModelZoo.names());
    }

    /**
     * GoogLeNet as its paper trained it: 224x224, two auxiliary heads weighted 0.3, 40% dropout
     * before the classifier (no configuration keys exist for these: they are GoogLeNet's own). It
     * has no batch norm, so the batch-norm fields are unused.
     */
    public static ModelSpec googLeNetDefaults(int classes) {
        return paperNetwork("googlenet", classes, true, 0.3, 0.6);
    }

    /** VGG configuration A..E (name vgg_a..vgg_e) as its paper trained it: 224x224, dropout 0.5. */
    public static ModelSpec vggDefaults(String name, int classes) {
        return paperNetwork(name, classes, false, 0.0, 0.5);
    }

    private static ModelSpec paperNetwork(String name, int classes, boolean aux, double auxWeight, double keep) {
        ModelSpec d = inceptionV3Defaults(classes);
        return new ModelSpec(name, 224, classes, d.widthMultiplier, d.minDepth, aux, auxWeight, keep, d.bnDecay,
                d.bnEpsilon, d.bnScale, d.convStddev, d.auxConvStddev, d.auxFcStddev, d.fcStddev);
    }

    /** TF-slim's {@code depth(d) = max(int(d * depth_multiplier), min_depth)}. */
    public int depth(int channels) {
        return Math.max((int) (channels * widthMultiplier), minDepth);
    }

    public ModelSpec withName(String n) {
        return new ModelSpec(n, inputSize, classes, widthMultiplier, minDepth, auxHead, auxLossWeight, dropoutKeep,
                bnDecay, bnEpsilon, bnScale, convStddev, auxConvStddev, auxFcStddev, fcStddev);
    }

    public ModelSpec withInputSize(int size) {
        return new ModelSpec(name, size, classes, widthMultiplier, minDepth, auxHead, auxLossWeight, dropoutKeep,
                bnDecay, bnEpsilon, bnScale, convStddev, auxConvStddev, auxFcStddev, fcStddev);
    }

    public ModelSpec withClasses(int k) {
        return new ModelSpec(name, inputSize, k, widthMultiplier, minDepth, auxHead, auxLossWeight, dropoutKeep,
                bnDecay, bnEpsilon, bnScale, convStddev, auxConvStddev, auxFcStddev, fcStddev);
    }

    public ModelSpec withAuxHead(boolean aux) {
        return new ModelSpec(name, inputSize, classes, widthMultiplier, minDepth, aux, auxLossWeight, dropoutKeep,
                bnDecay, bnEpsilon, bnScale, convStddev, auxConvStddev, auxFcStddev, fcStddev);
    }

    public ModelSpec withWidthMultiplier(double m) {
        return new ModelSpec(name, inputSize, classes, m, minDepth, auxHead, auxLossWeight, dropoutKeep,
                bnDecay, bnEpsilon, bnScale, convStddev, auxConvStddev, auxFcStddev, fcStddev);
    }

    public ModelSpec withBnScale(boolean scale) {
        return new ModelSpec(name, inputSize, classes, widthMultiplier, minDepth, auxHead, auxLossWeight, dropoutKeep,
                bnDecay, bnEpsilon, scale, convStddev, auxConvStddev, auxFcStddev, fcStddev);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("model: " + message);
        }
    }
}

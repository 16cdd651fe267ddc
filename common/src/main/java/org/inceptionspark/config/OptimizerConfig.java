package org.inceptionspark.config;

import java.io.Serializable;

/**
 * {@code inception.optimizer}: update rule, learning-rate schedule and gradient clipping. The
 * {@code rmsprop}, {@code clip} and {@code plateau} sub-sections are flattened into {@code rms*},
 * {@code clip*} and {@code plateau*}.
 */
public record OptimizerConfig(
        Type type,
        double learningRate,
        double decayFactor,
        double epochsPerDecay,
        boolean staircase,
        double rmsDecay,
        double rmsMomentum,
        double rmsEpsilon,
        double rmsInitialMeanSquare,
        double momentum,
        ClipMode clipMode,
        double clipThreshold,
        Schedule schedule,
        int plateauPatience,
        double plateauMinDelta,
        int plateauMaxCuts) implements Serializable {

    public enum Schedule {
        /** decay-factor every epochs-per-decay epochs, a function of the step. */
        EXPONENTIAL,
        /** decay-factor when the evaluations' top-1 accuracy stops improving (VGG). */
        PLATEAU
    }

    public enum Type {
        /** TF semantics: epsilon inside the square root, mean square starting at 1.0, with momentum. */
        RMSPROP,
        /** SGD with momentum, the recipe before RMSProp. */
        MOMENTUM
    }

    public enum ClipMode {
        NONE,
        /** The paper's: one L2 norm over the whole combined gradient. */
        GLOBAL_NORM,
        PER_TENSOR
    }
}

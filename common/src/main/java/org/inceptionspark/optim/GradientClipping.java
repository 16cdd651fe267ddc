package org.inceptionspark.optim;

import org.inceptionspark.config.OptimizerConfig;

/** Gradient clipping by norm, as TF's clip_by_global_norm / clip_by_norm: {@code g * t / max(norm, t)}. */
public final class GradientClipping {
    private GradientClipping() {
    }

    /** The factor a tensor (or the whole gradient) of L2 norm {@code norm} is multiplied by. */
    public static double factor(double norm, double threshold) {
        return norm > threshold ? threshold / norm : 1.0;
    }

    /** The factor for one segment given its own norm and the global norm. */
    public static double factor(OptimizerConfig.ClipMode mode, double threshold, double segmentNorm, double globalNorm) {
        return switch (mode) {
            case NONE -> 1.0;
            case GLOBAL_NORM -> factor(globalNorm, threshold);
            case PER_TENSOR -> factor(segmentNorm, threshold);
        };
    }
}

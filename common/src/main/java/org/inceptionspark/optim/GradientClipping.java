package org.inceptionspark.optim;

import org.inceptionspark.config.OptimizerConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Gradient clipping by norm, as TF's clip_by_global_norm / clip_by_norm: {@code g * t / max(norm, t)}. */
public final class GradientClipping {
    private GradientClipping() {
    }

    /**
     * Clips {@code g} in place and returns its global L2 norm before clipping (over the whole
     * vector; non-trainable entries must already be zero).
     */
    public static double clip(INDArray g, OptimizerConfig.ClipMode mode, double threshold, ParameterLayout layout) {
        double norm = g.norm2Number().doubleValue();
        switch (mode) {
            case NONE:
                break;
            case GLOBAL_NORM:
                if (norm > threshold) {
                    g.muli(threshold / norm);
                }
                break;
            case PER_TENSOR:
                for (ParameterSegment s : layout.segments()) {
                    if (!s.role().trainable()) {
                        continue;
                    }
                    INDArray view = g.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(s.offset(), s.end()));
                    double n = view.norm2Number().doubleValue();
                    if (n > threshold) {
                        view.muli(threshold / n);
                    }
                }
                break;
            default:
                throw new IllegalStateException("unknown clip mode " + mode);
        }
        return norm;
    }
}

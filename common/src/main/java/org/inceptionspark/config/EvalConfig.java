package org.inceptionspark.config;

import java.io.Serializable;
import java.util.List;

/**
 * {@code inception.eval}: {@code everySteps = 0} evaluates only at the end, {@code maxImages = 0} uses all.
 * {@code batchNormStatistics} says which batch-norm population statistics the evaluated (moving-average)
 * weights carry: the recipe's moving averages as trained ({@link #MOVING}), or exact ones recomputed
 * for those weights from {@code batchNormImages} training images ({@link #RECOMPUTE}).
 */
public record EvalConfig(int everySteps, long maxImages, String batchNormStatistics, long batchNormImages)
        implements Serializable {
    public static final String MOVING = "moving";
    public static final String RECOMPUTE = "recompute";
    public static final List<String> BATCH_NORM_STATISTICS = List.of(MOVING, RECOMPUTE);

    public boolean recomputeBatchNorm() {
        return RECOMPUTE.equals(batchNormStatistics);
    }
}

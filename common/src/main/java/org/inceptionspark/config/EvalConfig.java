package org.inceptionspark.config;

import java.io.Serializable;
import java.util.List;

/**
 * {@code inception.eval}: {@code everySteps = 0} evaluates only at the end, {@code maxImages = 0} uses all.
 * {@code batchNormStatistics} says which batch-norm population statistics the evaluated (moving-average)
 * weights carry: the recipe's moving averages as trained ({@link #MOVING}), or exact ones recomputed
 * for those weights from {@code batchNormImages} training images ({@link #RECOMPUTE}). {@code mode},
 * {@code denseScales} and {@code denseFlip} steer the {@code eval} command only.
 */
public record EvalConfig(int everySteps, long maxImages, String batchNormStatistics, long batchNormImages, String mode,
                         List<Integer> denseScales, boolean denseFlip)
        implements Serializable {
    /** {@code eval} takes crops of each image ({@code --crops}), as evaluations during training do. */
    public static final String CROPS = "crops";
    /** {@code eval} applies VGG's fully connected layers as convolutions to whole images at {@code denseScales}. */
    public static final String DENSE = "dense";
    public static final List<String> MODES = List.of(CROPS, DENSE);

    public boolean dense() {
        return DENSE.equals(mode);
    }

    public static final String MOVING = "moving";
    public static final String RECOMPUTE = "recompute";
    public static final List<String> BATCH_NORM_STATISTICS = List.of(MOVING, RECOMPUTE);

    public boolean recomputeBatchNorm() {
        return RECOMPUTE.equals(batchNormStatistics);
    }
}

package org.inceptionspark.worker;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A replica's decoded shard: NCHW float images in [-1, 1], their labels, and the files that could
 * not be decoded (skipped, named so a step that loses too many can say which).
 */
public record LabeledImages(INDArray features, int[] labels, int skipped, List<String> skippedFiles) {
    public LabeledImages(INDArray features, int[] labels, int skipped) {
        this(features, labels, skipped, List.of());
    }

    public static LabeledImages empty(int skipped, List<String> skippedFiles) {
        return new LabeledImages(null, new int[0], skipped, skippedFiles);
    }

    public int size() {
        return labels.length;
    }
}

package org.inceptionspark.worker;

import org.nd4j.linalg.api.ndarray.INDArray;

/** A replica's decoded shard: NCHW float images in [-1, 1], their labels, and how many files could not be decoded. */
public record LabeledImages(INDArray features, int[] labels, int skipped) {
    public static LabeledImages empty(int skipped) {
        return new LabeledImages(null, new int[0], skipped);
    }

    public int size() {
        return labels.length;
    }
}

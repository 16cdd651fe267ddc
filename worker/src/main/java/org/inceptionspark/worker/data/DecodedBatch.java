package org.inceptionspark.worker.data;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A replica's decoded shard: features NCHW float32 [n, 3, H, W] in [-1, 1] and their labels, where
 * n = requested images - skipped. Images that failed to read or decode are left out (never an
 * exception), counted in {@code skipped} and described in {@code skippedDetails}; n may be 0.
 */
public record DecodedBatch(INDArray features, int[] labels, long[] globalIndices, int skipped,
                           List<String> skippedDetails) {
    public int size() {
        return labels.length;
    }
}

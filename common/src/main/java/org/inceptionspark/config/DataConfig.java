package org.inceptionspark.config;

import java.io.Serializable;
import org.inceptionspark.image.DecodeLimits;

/** {@code inception.data}: where the packed shards are. Empty paths are allowed here; the commands needing them check. */
public record DataConfig(String train, String validation, boolean prefetch, int decodeThreads, long maxPixels, int maxSide,
                         double maxSkippedFraction)
        implements Serializable {

    public boolean hasValidation() {
        return !validation.isEmpty();
    }

    /** max-pixels and max-side, which pack checks and training and evaluation check again. */
    public DecodeLimits decodeLimits() {
        return new DecodeLimits(maxPixels, maxSide);
    }
}

package org.inceptionspark.config;

import java.io.Serializable;

/** {@code inception.data}: where the packed shards are. Empty paths are allowed here; the commands needing them check. */
public record DataConfig(String train, String validation, boolean prefetch, int decodeThreads, long maxPixels, int maxSide,
                         double maxSkippedFraction)
        implements Serializable {

    public boolean hasValidation() {
        return !validation.isEmpty();
    }
}

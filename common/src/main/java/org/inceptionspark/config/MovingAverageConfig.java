package org.inceptionspark.config;

import java.io.Serializable;

/** {@code inception.moving-average}: the parameter average evaluation and export use. */
public record MovingAverageConfig(boolean enabled, double decay, boolean warmup) implements Serializable {

    /** The decay at update {@code step}: TF's warm-up keeps early averages from being dominated by the random init. */
    public double decayAt(long step) {
        return warmup ? Math.min(decay, (1.0 + step) / (10.0 + step)) : decay;
    }
}

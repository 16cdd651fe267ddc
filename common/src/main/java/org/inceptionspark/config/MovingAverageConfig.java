package org.inceptionspark.config;

import java.io.Serializable;

/** {@code inception.moving-average}: the parameter average evaluation and export use. */
public record MovingAverageConfig(boolean enabled, double decay, boolean warmup) implements Serializable {
}

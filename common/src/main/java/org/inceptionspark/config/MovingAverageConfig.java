package org.inceptionspark.config;

import java.io.Serializable;

/**
 * {@code inception.moving-average}: the parameter average evaluation and export use. {@code polyak}
 * makes it the uniform average of every iterate (GoogLeNet's Polyak averaging); decay and warm-up
 * are then unused.
 */
public record MovingAverageConfig(boolean enabled, double decay, boolean warmup, boolean polyak) implements Serializable {
}

package org.inceptionspark.config;

import java.io.Serializable;

/** {@code inception.checkpoint}. */
public record CheckpointConfig(int everySteps, int keep) implements Serializable {
}

package org.inceptionspark.config;

import java.io.Serializable;

/** {@code inception.checkpoint}. */
public record CheckpointConfig(int everySteps, double everyMinutes, int keep) implements Serializable {
}

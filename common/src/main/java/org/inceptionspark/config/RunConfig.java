package org.inceptionspark.config;

import java.io.Serializable;

/** {@code inception.run}: where a run's outputs go and the seed of all its randomness. */
public record RunConfig(String name, String dir, long seed) implements Serializable {
}

package org.inceptionspark.config;

import java.io.Serializable;

/** {@code inception.eval}: {@code everySteps = 0} evaluates only at the end, {@code maxImages = 0} uses all. */
public record EvalConfig(int everySteps, long maxImages) implements Serializable {
}

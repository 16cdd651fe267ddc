package org.inceptionspark.config;

import java.io.Serializable;

/**
 * {@code inception.registry}: the gate a retrained model passes to become the registry's current
 * model, and what a warm start takes over from that model.
 *
 * @param maxTop1Error  the candidate's top-1 error on the validation data must be at most this
 * @param maxRegression and at most this much above the current model's, measured the same way
 * @param keepOptimizer a warm start also takes the optimizer's state and step (the learning-rate
 *                      schedule's position); false starts both afresh
 */
public record RegistryConfig(double maxTop1Error, double maxRegression, boolean keepOptimizer) implements Serializable {
}

package org.inceptionspark.model;

/**
 * Size and cost of one network configuration, derived from the configuration itself.
 *
 * @param trainableParameters parameters the optimizer updates (weights, biases, BN shift/scale)
 * @param totalParameters     trainable plus batch-norm moving means and variances
 * @param multiplyAdds        multiply-adds of one image's forward pass through every convolution
 *                            and fully connected layer of the graph (auxiliary heads included
 *                            when present)
 */
public record ModelSummary(String name, int inputSize, int classes, boolean auxHead,
                           long trainableParameters, long totalParameters, long multiplyAdds) {
}

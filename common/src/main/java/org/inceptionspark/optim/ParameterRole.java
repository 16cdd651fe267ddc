package org.inceptionspark.optim;

/** What a range of the flat parameter vector is, which decides how the driver updates it. */
public enum ParameterRole {
    /** Convolution and fully-connected kernels: optimised, clipped, L2-decayed. */
    WEIGHT,
    /** Biases and batch-norm shift/scale: optimised and clipped, never decayed. */
    TRAINABLE,
    /** Declared constant by the network (its DL4J updater is NoOp), e.g. a shift-only batch norm's scale of 1. */
    FROZEN,
    /**
     * Batch-norm moving mean and variance (or log10 std). Not optimised: DL4J reports their
     * update {@code stat[t] - stat[t+1]} in the gradient slot, the driver averages it over the
     * replicas and subtracts it, which is the moving average of the replicas' batch statistics.
     */
    BATCH_NORM_STATISTIC;

    public boolean trainable() {
        return this == WEIGHT || this == TRAINABLE;
    }
}

package org.inceptionspark.runtime;

/**
 * A batch-norm helper that applies the ReLU after its layer within its own primitives: the
 * forward pass writes {@code max(0, BN(x))} with a mask of where it is positive, and the backward
 * pass takes the rectified output's gradient. The layer that rectifies
 * (the model's {@code BatchNormReluLayer}) then runs neither its ReLU nor the ReLU's
 * backward pass, two passes over each of its tensors. {@link OneDnnLayers#install} puts such a
 * helper under every layer that says it rectifies ({@link Layer}).
 */
public interface RectifyingBatchNorm {
    /** A batch-norm layer whose output is rectified: its helper may do it. */
    interface Layer {
    }

    /** Whether the last training forward pass returned the rectified output. */
    boolean forwardRectified();

    /**
     * Whether the last backward pass took its incoming gradient as the rectified output's. After
     * a rectified forward pass anything else means that pass failed and DL4J's built-in batch
     * norm ran in its place, with no ReLU: the layer must fail instead of training on that.
     */
    boolean backwardRectified();
}

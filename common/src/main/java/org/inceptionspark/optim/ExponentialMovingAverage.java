package org.inceptionspark.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * TF's ExponentialMovingAverage with num_updates: {@code decay_t = min(decay, (1 + t) / (10 + t))}
 * and {@code shadow -= (1 - decay_t) (shadow - value)}, over every parameter, batch-norm moving
 * statistics included. The shadow starts at the initial parameters, as TF's does.
 */
public final class ExponentialMovingAverage {
    private final double decay;
    private final boolean warmup;
    private final INDArray shadow;
    private final INDArray scratch;

    public ExponentialMovingAverage(INDArray initial, double decay, boolean warmup) {
        this.decay = decay;
        this.warmup = warmup;
        this.shadow = initial.dup();
        this.scratch = initial.ulike();
    }

    public double decayAt(long step) {
        return warmup ? Math.min(decay, (1.0 + step) / (10.0 + step)) : decay;
    }

    /** Folds {@code value} (the parameters after update number {@code step}, 0-based) into the average. */
    public void update(INDArray value, long step) {
        double d = decayAt(step);
        scratch.assign(shadow).subi(value).muli(1.0 - d);
        shadow.subi(scratch);
    }

    public INDArray shadow() {
        return shadow;
    }
}

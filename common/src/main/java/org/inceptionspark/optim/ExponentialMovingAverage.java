package org.inceptionspark.optim;

/**
 * TF's ExponentialMovingAverage with num_updates: {@code decay_t = min(decay, (1 + t) / (10 + t))}
 * and {@code shadow -= (1 - decay_t) (shadow - value)}, over every parameter, batch-norm moving
 * statistics included. The shadow starts at the initial parameters, as TF's does.
 */
public final class ExponentialMovingAverage {
    private final double decay;
    private final boolean warmup;
    private final float[] shadow;

    public ExponentialMovingAverage(float[] initial, double decay, boolean warmup) {
        this.decay = decay;
        this.warmup = warmup;
        this.shadow = initial.clone();
    }

    public double decayAt(long step) {
        return warmup ? Math.min(decay, (1.0 + step) / (10.0 + step)) : decay;
    }

    /** Folds {@code value[from, to)} (the parameters after update number {@code step}, 0-based) into the average. */
    public void update(float[] value, int from, int to, long step) {
        float rate = (float) (1.0 - decayAt(step));
        for (int i = from; i < to; i++) {
            shadow[i] -= rate * (shadow[i] - value[i]);
        }
    }

    public float[] shadow() {
        return shadow;
    }
}

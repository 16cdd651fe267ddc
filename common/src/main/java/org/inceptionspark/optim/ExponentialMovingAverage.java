package org.inceptionspark.optim;

/**
 * TF's ExponentialMovingAverage with num_updates: {@code decay_t = min(decay, (1 + t) / (10 + t))}
 * and {@code shadow -= (1 - decay_t) (shadow - value)}, over every parameter, batch-norm moving
 * statistics included. The shadow starts at the initial parameters, as TF's does.
 *
 * <p>{@link #polyak} is the same fold with {@code decay_t = (1 + t) / (2 + t)}: after update t the
 * shadow is the arithmetic mean of the initial parameters and the t + 1 updated ones (Polyak-Juditsky
 * averaging), a function of the step alone, so it resumes from a checkpoint like the exponential one.
 */
public final class ExponentialMovingAverage {
    private final double decay;
    private final boolean warmup;
    private final boolean uniform;
    private final float[] shadow;

    public ExponentialMovingAverage(float[] initial, double decay, boolean warmup) {
        this(initial, decay, warmup, false);
    }

    private ExponentialMovingAverage(float[] initial, double decay, boolean warmup, boolean uniform) {
        this.decay = decay;
        this.warmup = warmup;
        this.uniform = uniform;
        this.shadow = initial.clone();
    }

    /** The uniform average of {@code initial} and every later value folded in. */
    public static ExponentialMovingAverage polyak(float[] initial) {
        return new ExponentialMovingAverage(initial, 1.0, false, true);
    }

    public double decayAt(long step) {
        if (uniform) {
            return (1.0 + step) / (2.0 + step);
        }
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

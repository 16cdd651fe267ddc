package org.inceptionspark.optim;

import java.util.LinkedHashMap;

/**
 * An optimizer over a range of the flat parameter vector, run on the driver. The gradient it
 * receives is already combined, decayed and clipped; the driver calls it only on trainable
 * ranges, so other entries never move. Plain float arrays: one fused pass per range, no
 * temporaries, which matters at 24M parameters every step.
 */
public interface Optimizer {
    /** Updates {@code w[from, to)} in place from {@code g[from, to)}. */
    void apply(float[] w, float[] g, int from, int to, double learningRate);

    /** The optimizer's slot vectors by name, live (checkpoints read and restore them). */
    LinkedHashMap<String, float[]> slots();
}

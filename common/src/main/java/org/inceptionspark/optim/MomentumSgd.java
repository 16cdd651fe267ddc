package org.inceptionspark.optim;

import java.util.LinkedHashMap;

/** TensorFlow's MomentumOptimizer (the paper's earlier recipe): {@code a <- m a + g; w <- w - lr a}. */
public final class MomentumSgd implements Optimizer {
    private final float momentum;
    private final float[] accumulation;

    public MomentumSgd(long length, double momentum) {
        this.momentum = (float) momentum;
        this.accumulation = new float[Math.toIntExact(length)];
    }

    @Override
    public void apply(float[] w, float[] g, int from, int to, double learningRate) {
        float lr = (float) learningRate;
        for (int i = from; i < to; i++) {
            float a = momentum * accumulation[i] + g[i];
            accumulation[i] = a;
            w[i] -= lr * a;
        }
    }

    @Override
    public LinkedHashMap<String, float[]> slots() {
        LinkedHashMap<String, float[]> s = new LinkedHashMap<>();
        s.put("momentum", accumulation);
        return s;
    }
}

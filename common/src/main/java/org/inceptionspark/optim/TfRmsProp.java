package org.inceptionspark.optim;

import java.util.Arrays;
import java.util.LinkedHashMap;

/**
 * TensorFlow's RMSProp with momentum (ApplyRMSProp), the paper's optimizer:
 * <pre>
 *   ms  &lt;- ms + (1 - decay) (g^2 - ms)          (ms starts at initialMeanSquare, TF: 1.0)
 *   mom &lt;- momentum mom + lr g / sqrt(ms + eps)  (eps inside the square root)
 *   w   &lt;- w - mom
 * </pre>
 * DL4J's RmsProp puts eps outside the root, starts the cache at eps and has no momentum, so it
 * is not used.
 */
public final class TfRmsProp implements Optimizer {
    private final float decay;
    private final float momentum;
    private final float epsilon;
    private final float[] meanSquare;
    private final float[] mom;

    public TfRmsProp(long length, double decay, double momentum, double epsilon, double initialMeanSquare) {
        this.decay = (float) decay;
        this.momentum = (float) momentum;
        this.epsilon = (float) epsilon;
        this.meanSquare = new float[Math.toIntExact(length)];
        Arrays.fill(meanSquare, (float) initialMeanSquare);
        this.mom = new float[Math.toIntExact(length)];
    }

    @Override
    public void apply(float[] w, float[] g, int from, int to, double learningRate) {
        float lr = (float) learningRate;
        float oneMinusDecay = 1f - decay;
        for (int i = from; i < to; i++) {
            float gi = g[i];
            float ms = meanSquare[i] + oneMinusDecay * (gi * gi - meanSquare[i]);
            meanSquare[i] = ms;
            float m = momentum * mom[i] + lr * gi / (float) Math.sqrt(ms + epsilon);
            mom[i] = m;
            w[i] -= m;
        }
    }

    @Override
    public LinkedHashMap<String, float[]> slots() {
        LinkedHashMap<String, float[]> s = new LinkedHashMap<>();
        s.put("rms", meanSquare);
        s.put("momentum", mom);
        return s;
    }
}

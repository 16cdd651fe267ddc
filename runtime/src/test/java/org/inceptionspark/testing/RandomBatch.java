package org.inceptionspark.testing;

import java.util.SplittableRandom;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Seeded inputs for tests that compare two networks on the same batch, and one training pass. */
public final class RandomBatch {
    private RandomBatch() {
    }

    /** NCHW images, uniform in [-1, 1). */
    public static INDArray images(long seed, int batch, int channels, int size) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[batch * channels * size * size];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return Nd4j.create(v, new long[] {batch, channels, size, size}, 'c').castTo(DataType.FLOAT);
    }

    /** One-hot labels, a uniform class per image. */
    public static INDArray oneHot(long seed, int batch, int classes) {
        SplittableRandom r = new SplittableRandom(seed);
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, classes);
        for (int i = 0; i < batch; i++) {
            y.putScalar(i, r.nextInt(classes), 1f);
        }
        return y;
    }

    /** Forward and backward on (x, y); the graph's layer state is cleared afterwards. */
    public static Gradient gradient(ComputationGraph g, INDArray x, INDArray y) {
        g.setInputs(x);
        g.setLabels(y);
        g.computeGradientAndScore();
        Gradient grad = g.gradient();
        g.clearLayersStates();
        return grad;
    }
}

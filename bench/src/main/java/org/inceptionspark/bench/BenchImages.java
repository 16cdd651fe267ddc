package org.inceptionspark.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.inceptionspark.worker.BatchSource;
import org.inceptionspark.worker.LabeledImages;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The benchmark's images: pseudo-random pixels and labels fixed by (seed, replica), the same at
 * every step, so our engine's replica r and DL4J's worker r train on exactly the same images.
 * Compute cost does not depend on pixel values.
 */
final class BenchImages implements BatchSource {
    private static final long serialVersionUID = 1L;
    private final long seed;
    private final int batch;
    private final int size;
    private final int classes;

    BenchImages(long seed, int batch, int size, int classes) {
        this.seed = seed;
        this.batch = batch;
        this.size = size;
        this.classes = classes;
    }

    private float[] pixels(int replica, int[] labels) {
        SplittableRandom rnd = new SplittableRandom(seed * 1_000_003L + replica);
        float[] x = new float[batch * 3 * size * size];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        for (int i = 0; i < batch; i++) {
            labels[i] = rnd.nextInt(classes);
        }
        return x;
    }

    @Override
    public LabeledImages load(long step, int replica, int replicas) {
        int[] labels = new int[batch];
        float[] x = pixels(replica, labels);
        return new LabeledImages(Nd4j.create(x, new long[] {batch, 3, size, size}, 'c'), labels, 0);
    }

    /** The same images as single-example DataSets, replica 0's first: what DL4J's master trains on. */
    List<DataSet> dataSets(int replicas) {
        List<DataSet> out = new ArrayList<>();
        int pixels = 3 * size * size;
        for (int r = 0; r < replicas; r++) {
            int[] labels = new int[batch];
            float[] x = pixels(r, labels);
            for (int i = 0; i < batch; i++) {
                float[] one = java.util.Arrays.copyOfRange(x, i * pixels, (i + 1) * pixels);
                float[] y = new float[classes];
                y[labels[i]] = 1f;
                out.add(new DataSet(Nd4j.create(one, new long[] {1, 3, size, size}, 'c'),
                        Nd4j.create(y, new long[] {1, classes}, 'c')));
            }
        }
        return out;
    }

    @Override
    public long imagesPerEpoch() {
        return 1_281_167;
    }
}

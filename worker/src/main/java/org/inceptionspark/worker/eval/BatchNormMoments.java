package org.inceptionspark.worker.eval;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Per-channel count, mean and sum of squared deviations (M2) of every batch-norm layer's input over
 * a set of images, in float64: what the population statistics of a network's batch norms are
 * recomputed from. Each batch is one training-mode forward pass ({@link #of}), so every layer sees
 * its input as training produced it (normalized with batch statistics upstream); batches are
 * combined with Chan et al.'s parallel formula ({@link #plus}), which is exact, so the result is
 * the mean and (biased, as batch norm uses it) variance over all the images' positions. Combining
 * in a fixed order makes it deterministic.
 */
public final class BatchNormMoments implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Batch-norm layer names, in the graph's layer order. */
    private final List<String> layers;
    private final long[] counts;
    private final double[][] means;
    private final double[][] m2;

    private BatchNormMoments(List<String> layers, long[] counts, double[][] means, double[][] m2) {
        this.layers = layers;
        this.counts = counts;
        this.means = means;
        this.m2 = m2;
    }

    /** The batch-norm layers of {@code graph}, in its layer order. */
    public static List<String> batchNormLayers(ComputationGraph graph) {
        List<String> names = new ArrayList<>();
        for (Layer l : graph.getLayers()) {
            if (l.conf().getLayer() instanceof BatchNormalization) {
                names.add(l.conf().getLayer().getLayerName());
            }
        }
        return names;
    }

    /** The moments of one batch: a training-mode forward pass of {@code graph} over {@code features}. */
    public static BatchNormMoments of(ComputationGraph graph, INDArray features) {
        List<String> layers = batchNormLayers(graph);
        Map<String, INDArray> acts = graph.feedForward(features, true);
        Map<String, List<String>> inputs = graph.getConfiguration().getVertexInputs();
        long[] counts = new long[layers.size()];
        double[][] means = new double[layers.size()][];
        double[][] m2 = new double[layers.size()][];
        for (int i = 0; i < layers.size(); i++) {
            List<String> in = inputs.get(layers.get(i));
            INDArray x = in == null || in.size() != 1 ? null : acts.get(in.get(0));
            if (x == null) {
                throw new IllegalStateException("batch-norm layer " + layers.get(i) + ": no single input activation "
                        + "in the forward pass (inputs " + in + ")");
            }
            channelMoments(x, i, counts, means, m2);
        }
        graph.clearLayersStates();
        return new BatchNormMoments(layers, counts, means, m2);
    }

    /** Two passes over {@code x} ([N, C] or [N, C, ...], channels on axis 1), float64 sums. */
    private static void channelMoments(INDArray x, int layer, long[] counts, double[][] means, double[][] m2) {
        long n = x.size(0);
        int c = (int) x.size(1);
        int inner = (int) (x.length() / (n * c));
        float[] v = x.dataType() == DataType.FLOAT && x.ordering() == 'c' && x.isView() == false
                ? x.data().asFloat() : x.castTo(DataType.FLOAT).dup('c').data().asFloat();
        double[] mean = new double[c];
        double[] sq = new double[c];
        for (long s = 0; s < n; s++) {
            for (int ch = 0; ch < c; ch++) {
                int base = (int) ((s * c + ch) * inner);
                double sum = 0;
                for (int k = 0; k < inner; k++) {
                    sum += v[base + k];
                }
                mean[ch] += sum;
            }
        }
        long count = n * inner;
        for (int ch = 0; ch < c; ch++) {
            mean[ch] /= count;
        }
        for (long s = 0; s < n; s++) {
            for (int ch = 0; ch < c; ch++) {
                int base = (int) ((s * c + ch) * inner);
                double m = mean[ch];
                double sum = 0;
                for (int k = 0; k < inner; k++) {
                    double d = v[base + k] - m;
                    sum += d * d;
                }
                sq[ch] += sum;
            }
        }
        counts[layer] = count;
        means[layer] = mean;
        m2[layer] = sq;
    }

    /** The moments over both sets of images (Chan et al.): exact, but order-dependent in its rounding. */
    public BatchNormMoments plus(BatchNormMoments o) {
        if (!layers.equals(o.layers)) {
            throw new IllegalArgumentException("batch-norm moments of different networks");
        }
        long[] n = new long[layers.size()];
        double[][] mean = new double[layers.size()][];
        double[][] sq = new double[layers.size()][];
        for (int i = 0; i < layers.size(); i++) {
            long na = counts[i];
            long nb = o.counts[i];
            n[i] = na + nb;
            mean[i] = new double[means[i].length];
            sq[i] = new double[means[i].length];
            for (int ch = 0; ch < means[i].length; ch++) {
                double delta = o.means[i][ch] - means[i][ch];
                mean[i][ch] = means[i][ch] + delta * nb / n[i];
                sq[i][ch] = m2[i][ch] + o.m2[i][ch] + delta * delta * ((double) na * nb / n[i]);
            }
        }
        return new BatchNormMoments(layers, n, mean, sq);
    }

    public List<String> layers() {
        return layers;
    }

    /** Values (image positions) each layer's statistics are taken over. */
    public long count(int layer) {
        return counts[layer];
    }

    public double[] mean(int layer) {
        return means[layer].clone();
    }

    /** The biased variance M2 / count, the one batch norm normalizes with. */
    public double[] variance(int layer) {
        double[] v = new double[m2[layer].length];
        for (int ch = 0; ch < v.length; ch++) {
            v[ch] = m2[layer][ch] / counts[layer];
        }
        return v;
    }

    /**
     * Writes these statistics into {@code graph}'s batch-norm layers in the form each layer keeps them
     * (variance, or DL4J's default log10 of its square root); the graph's other parameters stay.
     */
    public void writeInto(ComputationGraph graph) {
        if (!layers.equals(batchNormLayers(graph))) {
            throw new IllegalArgumentException("batch-norm moments of another network: " + layers);
        }
        for (int i = 0; i < layers.size(); i++) {
            Layer l = graph.getLayer(layers.get(i));
            BatchNormalization conf = (BatchNormalization) l.conf().getLayer();
            double[] var = variance(i);
            Map<String, INDArray> params = l.paramTable();
            params.get(BatchNormalizationParamInitializer.GLOBAL_MEAN)
                    .assign(Nd4j.createFromArray(means[i]).castTo(DataType.FLOAT).reshape(params.get(
                            BatchNormalizationParamInitializer.GLOBAL_MEAN).shape()));
            INDArray target;
            double[] stored = new double[var.length];
            if (conf.isUseLogStd()) {
                target = params.get(BatchNormalizationParamInitializer.GLOBAL_LOG_STD);
                for (int ch = 0; ch < var.length; ch++) {
                    // DL4J's inference reads var = (10^stored)^2 and adds eps itself. A channel
                    // without variance (a dead input) keeps a finite parameter.
                    stored[ch] = Math.log10(Math.sqrt(Math.max(var[ch], Float.MIN_NORMAL)));
                }
            } else {
                target = params.get(BatchNormalizationParamInitializer.GLOBAL_VAR);
                stored = var;
            }
            target.assign(Nd4j.createFromArray(stored).castTo(DataType.FLOAT).reshape(target.shape()));
        }
    }

    @Override
    public String toString() {
        return "BatchNormMoments" + layers + " counts " + Arrays.toString(counts);
    }
}

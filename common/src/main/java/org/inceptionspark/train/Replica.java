package org.inceptionspark.train;

import java.io.Serializable;
import java.util.Arrays;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.inceptionspark.model.ModelZoo;
import org.inceptionspark.optim.ParameterLayout;
import org.inceptionspark.optim.ParameterSegment;
import org.inceptionspark.runtime.HostFloats;
import org.inceptionspark.runtime.OneDnnLayers;
import org.inceptionspark.runtime.TrainingWorkspaces;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One replica: its network, the network's parameter layout, and the forward/backward on its shard
 * written as a {@link GradientMessage}, with the native runtime prepared for the batch's shape. The
 * same code runs in a Spark task and in the single-process reference the equivalence tests
 * compare with.
 */
public final class Replica {
    /**
     * What a replica's gradient is of.
     *
     * @param classes        K
     * @param labelSmoothing e in (1-e) onehot + e/K, applied to every output head
     * @param replicaMean    send the replica's mean gradient (sum combine) instead of its per-image sum
     */
    public record Objective(int classes, double labelSmoothing, boolean replicaMean) implements Serializable {
    }

    private final ComputationGraph graph;
    private final ParameterLayout layout;

    /** A replica of an initialised network (its native layers installed, if any: {@link #build}). */
    public Replica(ComputationGraph graph) {
        this.graph = graph;
        this.layout = ParameterLayout.of(graph);
    }

    /** The network of a configuration as executors build it ({@link ModelZoo#instantiate}). */
    public static Replica build(ComputationGraphConfiguration conf) {
        return new Replica(ModelZoo.instantiate(conf));
    }

    public ComputationGraph graph() {
        return graph;
    }

    public ParameterLayout layout() {
        return layout;
    }

    /** Sets the network's parameters: one bulk copy into its flat parameter buffer. */
    public void load(float[] values) {
        HostFloats.copyInto(graph.params(), values);
    }

    /** Sets parameters {@code [from, from + values.length)}; slices at disjoint positions may be loaded concurrently. */
    public void load(long from, float[] values) {
        HostFloats.copyInto(graph.params(), from, values);
    }

    /**
     * The gradient message of one step: the network's parameters must already be this step's weights.
     *
     * @param features    NCHW images, or null when the replica has no image this step
     * @param labels      class index per image
     * @param dropoutSeed seed of this replica's dropout masks at this step
     * @param out         receives the message; length {@link GradientMessage#length}(P)
     */
    public void gradient(Objective objective, INDArray features, int[] labels, long dropoutSeed, float[] out) {
        long p = layout.length();
        int n = labels == null ? 0 : labels.length;
        if (n == 0) {
            Arrays.fill(out, 0f);
            return;
        }
        INDArray target = smoothedTargets(labels, objective.classes(), objective.labelSmoothing());
        int outputs = graph.getNumOutputArrays();
        INDArray[] targets = new INDArray[outputs];
        Arrays.fill(targets, target);
        TrainingWorkspaces.presizeActivations(graph, features);
        OneDnnLayers.prepare(graph, features);
        graph.setInputs(features);
        graph.setLabels(targets);
        Nd4j.getRandom().setSeed(dropoutSeed);
        graph.computeGradientAndScore();
        double loss = graph.score();
        HostFloats.copyOut(graph.getFlattenedGradients(), out);
        // DL4J's trainable gradients are sums over the batch (its updater divides by the minibatch);
        // the statistics' entries are already per-step updates.
        float inv = objective.replicaMean() ? 1f / n : 1f;
        int nonFinite = 0;
        for (ParameterSegment s : layout.segments()) {
            int from = (int) s.offset();
            int to = (int) s.end();
            if (s.role().trainable()) {
                for (int i = from; i < to; i++) {
                    float v = out[i] * inv;
                    out[i] = v;
                    if (!Float.isFinite(v)) {
                        nonFinite++;
                    }
                }
            } else if (s.role() == org.inceptionspark.optim.ParameterRole.BATCH_NORM_STATISTIC) {
                for (int i = from; i < to; i++) {
                    if (!Float.isFinite(out[i])) {
                        nonFinite++;
                    }
                }
            } else {
                // DL4J still computes a gradient for frozen entries, which is never used.
                Arrays.fill(out, from, to, 0f);
            }
        }
        Arrays.fill(out, Math.toIntExact(p), out.length, 0f);
        int base = Math.toIntExact(p);
        out[base + GradientMessage.LOSS] = (float) (loss * n);
        out[base + GradientMessage.IMAGES] = n;
        out[base + GradientMessage.CONTRIBUTORS] = 1;
        out[base + GradientMessage.NON_FINITE] = Double.isFinite(loss) ? nonFinite : nonFinite + 1;
        graph.clearLayersStates();
        TrainingWorkspaces.endLearning();
    }

    public static INDArray smoothedTargets(int[] labels, int classes, double smoothing) {
        float off = (float) (smoothing / classes);
        float on = (float) (1.0 - smoothing) + off;
        float[] t = new float[labels.length * classes];
        Arrays.fill(t, off);
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("label " + labels[i] + " outside [0, " + classes + ")");
            }
            t[i * classes + labels[i]] = on;
        }
        return Nd4j.create(t, new long[] {labels.length, classes}, 'c').castTo(DataType.FLOAT);
    }
}

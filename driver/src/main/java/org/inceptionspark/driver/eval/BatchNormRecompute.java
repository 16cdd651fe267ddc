package org.inceptionspark.driver.eval;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.inceptionspark.config.AugmentConfig;
import org.inceptionspark.config.InceptionConfig;
import org.inceptionspark.model.ModelZoo;
import org.inceptionspark.worker.BatchSource;
import org.inceptionspark.worker.LabeledImages;
import org.inceptionspark.worker.TaskThreads;
import org.inceptionspark.worker.eval.BatchNormMoments;
import org.inceptionspark.worker.data.PackedBatchSource;
import org.inceptionspark.worker.data.PackedDataset;
import org.inceptionspark.worker.eval.ModelSnapshot;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batch-norm population statistics recomputed for given weights ({@code eval.batch-norm-statistics =
 * recompute}): the images of the first training steps of epoch 0, each replica's shard on its own
 * task, go through the network in training mode; every batch-norm layer's input gives its exact
 * per-channel mean and variance over those images ({@link BatchNormMoments}), combined per replica in
 * step order and on the driver in replica order, so the result is deterministic. The moving
 * statistics of a run (its checkpoints) are never touched: callers get a new weight vector.
 *
 * @param data            the run's training batches (augmented as in training)
 * @param replicas        replicas per step: each step's images are split as in training
 * @param batchPerReplica images per replica per step, so each forward pass has a training batch's statistics
 * @param images          at least this many images are used, rounded up to whole steps, at most one epoch
 */
public record BatchNormRecompute(BatchSource data, int replicas, int batchPerReplica, long images) {

    public BatchNormRecompute {
        if (replicas < 1 || batchPerReplica < 1 || images < 1) {
            throw new IllegalArgumentException("batch-norm recompute needs replicas, batch and images >= 1, got "
                    + replicas + ", " + batchPerReplica + ", " + images);
        }
    }

    /**
     * The recompute a configuration asks for ({@code eval.batch-norm-statistics}), over its training
     * data ({@code data.train}, augmented as configured), or null for the moving statistics.
     */
    public static BatchNormRecompute of(InceptionConfig c, int replicas) {
        if (!c.eval().recomputeBatchNorm()) {
            return null;
        }
        String path = c.data().train();
        long images;
        try (PackedDataset ds = PackedDataset.open(path, new Configuration())) {
            images = ds.numImages();
        } catch (IOException e) {
            throw new IllegalArgumentException("eval.batch-norm-statistics = recompute needs the training images: cannot open "
                    + "inception.data.train = " + path + ": " + e.getMessage(), e);
        }
        PackedBatchSource data = new PackedBatchSource(path, images, c.run().seed(), c.cluster().batchPerReplica(),
                c.model().inputSize(), c.augment(), c.data().decodeThreads(), false,
                c.data().decodeLimits());
        return new BatchNormRecompute(data, replicas, c.cluster().batchPerReplica(), c.eval().batchNormImages());
    }

    /** Images the statistics are taken over (whole steps). */
    public long imagesUsed() {
        return steps() * replicas * batchPerReplica;
    }

    /** Training steps whose images are used. */
    public long steps() {
        long perStep = (long) replicas * batchPerReplica;
        long wanted = Math.min(images, data.imagesPerEpoch());
        return Math.max(1, (wanted + perStep - 1) / perStep);
    }

    /** {@code weights} with every batch norm's mean and variance replaced by the recomputed ones. */
    public float[] apply(JavaSparkContext sc, ComputationGraphConfiguration graph, float[] weights) {
        BatchNormMoments m = moments(sc, graph, weights);
        ComputationGraph g = ModelZoo.dl4jNetwork(graph.clone(), Nd4j.createFromArray(weights.clone()).reshape(1, weights.length));
        m.writeInto(g);
        return g.params().toFloatVector();
    }

    /** The exact moments over the images, computed on the executors. */
    public BatchNormMoments moments(JavaSparkContext sc, ComputationGraphConfiguration graph, float[] weights) {
        ComputationGraph g = ModelZoo.dl4jNetwork(graph.clone(), Nd4j.createFromArray(weights.clone()).reshape(1, weights.length));
        // each task builds a network of its own (newGraph), so no evaluation holds it in the executors
        Broadcast<ModelSnapshot> shipped = sc.broadcast(ModelSnapshot.of(ModelSnapshot.newEvaluation(), "batch-norm statistics", g));
        List<Integer> replicaIds = new ArrayList<>();
        for (int r = 0; r < replicas; r++) {
            replicaIds.add(r);
        }
        long steps = steps();
        BatchSource source = data;
        int n = replicas;
        try {
            List<BatchNormMoments> perReplica = sc.parallelize(replicaIds, replicas).map(r -> {
                TaskThreads.bindToTask();
                ComputationGraph net = shipped.value().newGraph();
                BatchNormMoments sum = null;
                for (long s = 0; s < steps; s++) {
                    LabeledImages b = source.load(s, r, n);
                    if (b.size() == 0) {
                        continue;
                    }
                    BatchNormMoments m = BatchNormMoments.of(net, b.features());
                    sum = sum == null ? m : sum.plus(m);
                }
                return sum;
            }).collect();
            BatchNormMoments total = null;
            for (BatchNormMoments m : perReplica) {
                if (m != null) {
                    total = total == null ? m : total.plus(m);
                }
            }
            if (total == null) {
                throw new IllegalStateException("no training image could be read to recompute the batch-norm statistics");
            }
            return total;
        } finally {
            shipped.destroy();
        }
    }
}

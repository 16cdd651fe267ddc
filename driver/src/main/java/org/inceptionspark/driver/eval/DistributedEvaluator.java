package org.inceptionspark.driver.eval;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.inceptionspark.image.CropScheme;
import org.inceptionspark.worker.TaskThreads;
import org.inceptionspark.worker.data.PackedDataset;
import org.inceptionspark.worker.data.ReplicaBatchLoader;
import org.inceptionspark.worker.eval.DenseEvaluator;
import org.inceptionspark.worker.eval.EvalCounts;
import org.inceptionspark.worker.eval.MultiCropEvaluator;
import org.inceptionspark.worker.eval.ModelSnapshot;
import org.inceptionspark.image.DecodeLimits;

/**
 * The evaluation core of `eval`: the models' parameters go to the executors once by broadcast; each
 * task evaluates a contiguous range of the packed dataset ({@link MultiCropEvaluator}); the driver
 * sums the per-class tallies. Several models form an ensemble (mean of their softmax outputs). Crops
 * of each image ({@link MultiCropEvaluator}) or VGG's dense evaluation ({@link DenseEvaluator}).
 */
public final class DistributedEvaluator {
    private final JavaSparkContext sc;
    private final DecodeLimits limits;

    /** Images decoded within the largest limits any configuration allows. */
    public DistributedEvaluator(JavaSparkContext sc) {
        this(sc, DecodeLimits.CEILING);
    }

    /** @param limits every image's header is checked against these before it is decoded (data.max-pixels, max-side) */
    public DistributedEvaluator(JavaSparkContext sc, DecodeLimits limits) {
        this.sc = sc;
        this.limits = limits;
    }

    /** Scores one task's range of images with the shipped models; runs on an executor. */
    private interface RangeEvaluator extends java.io.Serializable {
        EvalCounts evaluate(List<ModelSnapshot> models, PackedDataset data, long from, long to);
    }

    /**
     * @param maxImages evaluate only the first this many images (0 = all)
     */
    public EvalReport evaluate(List<ComputationGraph> models, String dataPath, CropScheme scheme, int inputSize,
                               double centralFraction, long maxImages) throws IOException {
        DecodeLimits decodeLimits = limits;
        EvalCounts total = run(models, dataPath, maxImages, (shipped, data, from, to) ->
                new MultiCropEvaluator(shipped, scheme, inputSize, centralFraction, decodeLimits).evaluate(data, from, to));
        return EvalReport.of(total, scheme.crops(), models.size());
    }

    /**
     * VGG's dense evaluation ({@link DenseEvaluator}).
     *
     * @param denseModels the fully convolutional networks ({@code DenseEvaluation.graph()}) of the models
     * @param scales      test scales Q (shorter sides)
     * @param maxImages   evaluate only the first this many images (0 = all)
     */
    public EvalReport evaluateDense(List<ComputationGraph> denseModels, String dataPath, List<Integer> scales, boolean flip,
                                    long maxImages) throws IOException {
        DecodeLimits decodeLimits = limits;
        List<Integer> qs = List.copyOf(scales);
        EvalCounts total = run(denseModels, dataPath, maxImages, (shipped, data, from, to) ->
                new DenseEvaluator(shipped, qs, flip, decodeLimits).evaluate(data, from, to));
        return EvalReport.of(total, 0, denseModels.size(), "dense at Q = " + qs.stream().map(String::valueOf)
                .collect(java.util.stream.Collectors.joining(", ")) + (flip ? " with the mirror image" : ""));
    }

    /** Ships the models once by broadcast, evaluates ranges of the dataset in tasks and sums their tallies. */
    private EvalCounts run(List<ComputationGraph> models, String dataPath, long maxImages, RangeEvaluator evaluator)
            throws IOException {
        long n;
        int classes;
        try (PackedDataset data = PackedDataset.open(dataPath, sc.hadoopConfiguration())) {
            n = maxImages > 0 ? Math.min(maxImages, data.numImages()) : data.numImages();
            classes = data.numClasses();
        }
        List<ModelSnapshot> snapshots = new ArrayList<>();
        String evaluation = ModelSnapshot.newEvaluation();
        for (int i = 0; i < models.size(); i++) {
            snapshots.add(ModelSnapshot.of(evaluation, "model-" + i, models.get(i)));
        }
        Broadcast<List<ModelSnapshot>> shipped = sc.broadcast(snapshots);
        int tasks = (int) Math.max(1, Math.min(n, 4L * sc.defaultParallelism()));
        List<long[]> ranges = new ArrayList<>();
        for (int t = 0; t < tasks; t++) {
            ranges.add(new long[]{n * t / tasks, n * (t + 1) / tasks});
        }
        try {
            return sc.parallelize(ranges, tasks).map(r -> {
                TaskThreads.bindToTask();
                org.inceptionspark.worker.GpuBinding.bindToTask();
                PackedDataset data = ReplicaBatchLoader.forDataset(dataPath).dataset();
                return evaluator.evaluate(shipped.value(), data, r[0], r[1]);
            }).fold(EvalCounts.empty(classes), EvalCounts::plus);
        } finally {
            shipped.destroy();
            if (sc.sc().isLocal()) {
                ModelSnapshot.release(evaluation);
            }
        }
    }
}

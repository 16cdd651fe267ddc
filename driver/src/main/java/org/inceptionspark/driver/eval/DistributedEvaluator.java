package org.inceptionspark.driver.eval;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.inceptionspark.common.data.CropScheme;
import org.inceptionspark.worker.TaskThreads;
import org.inceptionspark.worker.data.PackedDataset;
import org.inceptionspark.worker.data.ReplicaBatchLoader;
import org.inceptionspark.worker.eval.EvalCounts;
import org.inceptionspark.worker.eval.MultiCropEvaluator;
import org.inceptionspark.worker.eval.ModelSnapshot;
import org.inceptionspark.common.data.DecodeLimits;

/**
 * The evaluation core of `eval`: the models' parameters go to the executors once by broadcast; each
 * task evaluates a contiguous range of the packed dataset ({@link MultiCropEvaluator}); the driver
 * sums the per-class tallies. Several models form an ensemble (mean of their softmax outputs).
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

    /**
     * @param maxImages evaluate only the first this many images (0 = all)
     */
    public EvalReport evaluate(List<ComputationGraph> models, String dataPath, CropScheme scheme, int inputSize,
                               double centralFraction, long maxImages) throws IOException {
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
        DecodeLimits decodeLimits = limits;
        try {
            EvalCounts total = sc.parallelize(ranges, tasks).map(r -> {
                TaskThreads.bindToTask();
                org.inceptionspark.worker.GpuBinding.bindToTask();
                PackedDataset data = ReplicaBatchLoader.forDataset(dataPath).dataset();
                return new MultiCropEvaluator(shipped.value(), scheme, inputSize, centralFraction, decodeLimits)
                        .evaluate(data, r[0], r[1]);
            }).fold(EvalCounts.empty(classes), EvalCounts::plus);
            return EvalReport.of(total, scheme.crops(), models.size());
        } finally {
            shipped.destroy();
            if (sc.sc().isLocal()) {
                ModelSnapshot.release(evaluation);
            }
        }
    }
}

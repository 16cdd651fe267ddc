package org.inceptionspark.driver.train;

import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.inceptionspark.image.CropScheme;
import org.inceptionspark.driver.eval.BatchNormRecompute;
import org.inceptionspark.driver.eval.DistributedEvaluator;
import org.inceptionspark.driver.eval.EvalReport;
import org.inceptionspark.model.ModelZoo;
import org.nd4j.linalg.factory.Nd4j;
import org.inceptionspark.image.DecodeLimits;

/**
 * Evaluation during training: single central crop on the validation set, computed on the executors,
 * with the batch-norm statistics recomputed for the evaluated weights first when {@code batchNorm} is
 * given ({@code eval.batch-norm-statistics = recompute}).
 */
public final class EvaluationValidator implements Validator {
    private final JavaSparkContext sc;
    private final DistributedEvaluator evaluator;
    private final String validationPath;
    private final int inputSize;
    private final double centralFraction;
    private final long maxImages;
    private final BatchNormRecompute batchNorm;

    /** @param batchNorm null to evaluate with the weights' own (moving) batch-norm statistics */
    public EvaluationValidator(JavaSparkContext sc, String validationPath, int inputSize, double centralFraction,
                               long maxImages, DecodeLimits limits, BatchNormRecompute batchNorm) {
        this.sc = sc;
        this.evaluator = new DistributedEvaluator(sc, limits);
        this.validationPath = validationPath;
        this.inputSize = inputSize;
        this.centralFraction = centralFraction;
        this.maxImages = maxImages;
        this.batchNorm = batchNorm;
    }

    @Override
    public Result evaluate(ComputationGraphConfiguration graph, float[] weights) throws Exception {
        float[] evaluated = evaluatedWeights(graph, weights);
        ComputationGraph model = ModelZoo.dl4jNetwork(graph, null);
        model.setParams(Nd4j.createFromArray(evaluated).reshape(1, evaluated.length));
        EvalReport r = evaluator.evaluate(List.of(model), validationPath, CropScheme.ONE, inputSize, centralFraction, maxImages);
        return new Result(r.top1Error(), r.top5Error(), r.images());
    }

    @Override
    public float[] evaluatedWeights(ComputationGraphConfiguration graph, float[] weights) {
        return batchNorm == null ? weights : batchNorm.apply(sc, graph, weights);
    }

    @Override
    public String batchNormStatistics() {
        return batchNorm == null ? "moving batch-norm statistics"
                : String.format(Locale.ROOT, "batch-norm statistics recomputed from %d training images",
                batchNorm.imagesUsed());
    }
}

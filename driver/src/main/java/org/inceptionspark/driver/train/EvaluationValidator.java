package org.inceptionspark.driver.train;

import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.inceptionspark.common.data.CropScheme;
import org.inceptionspark.driver.eval.DistributedEvaluator;
import org.inceptionspark.driver.eval.EvalReport;
import org.nd4j.linalg.factory.Nd4j;
import org.inceptionspark.common.data.DecodeLimits;

/** Evaluation during training: single central crop on the validation set, computed on the executors. */
public final class EvaluationValidator implements Validator {
    private final DistributedEvaluator evaluator;
    private final String validationPath;
    private final int inputSize;
    private final double centralFraction;
    private final long maxImages;

    public EvaluationValidator(JavaSparkContext sc, String validationPath, int inputSize, double centralFraction,
                               long maxImages, DecodeLimits limits) {
        this.evaluator = new DistributedEvaluator(sc, limits);
        this.validationPath = validationPath;
        this.inputSize = inputSize;
        this.centralFraction = centralFraction;
        this.maxImages = maxImages;
    }

    @Override
    public Result evaluate(ComputationGraphConfiguration graph, float[] weights) throws Exception {
        ComputationGraph model = new ComputationGraph(graph);
        model.init();
        model.setParams(Nd4j.createFromArray(weights).reshape(1, weights.length));
        EvalReport r = evaluator.evaluate(List.of(model), validationPath, CropScheme.ONE, inputSize, centralFraction, maxImages);
        return new Result(r.top1Error(), r.top5Error(), r.images());
    }
}

package org.inceptionspark.driver.train;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;

/** Evaluates weights on the validation set (on the executors) during training. */
public interface Validator {
    /** Top-1 / top-5 error of the network with these weights. */
    record Result(double top1Error, double top5Error, long images) {
    }

    Result evaluate(ComputationGraphConfiguration graph, float[] weights) throws Exception;

    /**
     * The weights an evaluation of {@code weights} runs with: {@code weights} themselves, or a copy with
     * recomputed batch-norm statistics. Deterministic, so a model published after its evaluation can
     * carry exactly what was evaluated.
     */
    default float[] evaluatedWeights(ComputationGraphConfiguration graph, float[] weights) throws Exception {
        return weights;
    }

    /** Which batch-norm statistics the evaluation uses, for the evaluation line. */
    default String batchNormStatistics() {
        return "moving batch-norm statistics";
    }
}

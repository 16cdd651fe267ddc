package org.inceptionspark.model;

import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * The TF reference's batch norm: a learned shift, no learned scale. DL4J has no such layer (its
 * {@code lockGammaBeta} fixes the shift too), so this is DL4J's own batch norm with the scale
 * declared frozen at 1: its updater is {@link NoOp}, which the driver's parameter layout reads as
 * "never updated" (and DL4J's own training would too). The scale is a constant, not a parameter
 * of the model, so {@link ModelSummary} does not count it.
 *
 * <p>The model zoo now builds {@link BatchNormRelu} (scale frozen the same way, ReLU fused in).
 * This class stays so that the graph JSON of checkpoints written before that change still loads
 * (a checkpoint resumes with the graph it was written with).
 */
public class ShiftOnlyBatchNormalization extends BatchNormalization {

    public ShiftOnlyBatchNormalization() {
        super();
    }

    public static ShiftOnlyBatchNormalization of(double decay, double epsilon) {
        ShiftOnlyBatchNormalization bn = new ShiftOnlyBatchNormalization();
        bn.setDecay(decay);
        bn.setEps(epsilon);
        bn.setGamma(1.0);
        bn.setBeta(0.0);
        return bn;
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        return BatchNormalizationParamInitializer.GAMMA.equals(paramName) ? new NoOp() : super.getUpdaterByParam(paramName);
    }

    @Override
    public ShiftOnlyBatchNormalization clone() {
        return (ShiftOnlyBatchNormalization) super.clone();
    }
}

package org.inceptionspark.model;

import java.util.Objects;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * A loss multiplied by a constant weight, score and gradient alike: DL4J sums the scores of a
 * graph's output layers with weight 1, and this is how an auxiliary head gets its paper weight.
 * Serialized by DL4J's configuration JSON through the Jackson annotations below.
 */
public final class ScaledLoss implements ILossFunction {
    private static final long serialVersionUID = 1L;

    @JsonProperty("loss")
    private final ILossFunction loss;
    @JsonProperty("weight")
    private final double weight;

    @JsonCreator
    public ScaledLoss(@JsonProperty("loss") ILossFunction loss, @JsonProperty("weight") double weight) {
        this.loss = Objects.requireNonNull(loss, "loss");
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("loss weight must be finite and >= 0, got " + weight);
        }
        this.weight = weight;
    }

    public ILossFunction loss() {
        return loss;
    }

    public double weight() {
        return weight;
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                               boolean average) {
        return weight * loss.computeScore(labels, preOutput, activationFn, mask, average);
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return loss.computeScoreArray(labels, preOutput, activationFn, mask).muli(weight);
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return loss.computeGradient(labels, preOutput, activationFn, mask).muli(weight);
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput,
                                                          IActivation activationFn, INDArray mask, boolean average) {
        Pair<Double, INDArray> p = loss.computeGradientAndScore(labels, preOutput, activationFn, mask, average);
        return new Pair<>(weight * p.getFirst(), p.getSecond().muli(weight));
    }

    @Override
    public String name() {
        return toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScaledLoss s && s.weight == weight && s.loss.equals(loss);
    }

    @Override
    public int hashCode() {
        return Objects.hash(loss, weight);
    }

    @Override
    public String toString() {
        return "ScaledLoss(" + loss.name() + " x " + weight + ")";
    }
}

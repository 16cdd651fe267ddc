package org.inceptionspark.train;

import java.util.LinkedHashMap;
import java.util.function.Supplier;
import org.inceptionspark.optim.ExponentialMovingAverage;
import org.inceptionspark.optim.GradientClipping;
import org.inceptionspark.optim.LearningRateSchedule;
import org.inceptionspark.optim.Optimizer;
import org.inceptionspark.optim.ParameterLayout;
import org.inceptionspark.optim.ParameterRole;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The state the driver holds (parameters, optimizer slots, moving average, step) and the one
 * place where a step's combined replica messages are turned into new parameters:
 * <ol>
 *   <li>trainable gradient = mean over the step's images (or sum of the replicas' means), plus L2
 *       weight decay on weights;</li>
 *   <li>any non-finite value anywhere: the step is skipped, nothing changes but the skip counter;</li>
 *   <li>clipping, then the optimizer with the scheduled learning rate;</li>
 *   <li>batch-norm moving statistics: minus the replicas' mean update;</li>
 *   <li>moving average of all parameters; step + 1.</li>
 * </ol>
 */
public final class ParameterServerState {
    private final ParameterLayout layout;
    private final UpdateRule rule;
    private final LearningRateSchedule schedule;
    private final INDArray params;
    private final Optimizer optimizer;
    private final ExponentialMovingAverage average;
    private final INDArray weightMask;
    private final INDArray trainableMask;
    private final INDArray statisticMask;
    private long step;
    private long skippedSteps;

    public ParameterServerState(ParameterLayout layout, INDArray initialParams, UpdateRule rule,
                                LearningRateSchedule schedule, Supplier<Optimizer> optimizerFactory) {
        this.layout = layout;
        this.rule = rule;
        this.schedule = schedule;
        this.params = initialParams.reshape(layout.length()).dup();
        this.optimizer = optimizerFactory.get();
        this.average = rule.movingAverage()
                ? new ExponentialMovingAverage(params, rule.movingAverageDecay(), rule.movingAverageWarmup()) : null;
        this.weightMask = layout.mask(r -> r == ParameterRole.WEIGHT);
        this.trainableMask = layout.mask(ParameterRole::trainable);
        this.statisticMask = layout.mask(r -> r == ParameterRole.BATCH_NORM_STATISTIC);
    }

    /** Applies one step from the element-wise sum, in replica order, of the replicas' messages. */
    public StepOutcome apply(float[] summedMessages) {
        int p = Math.toIntExact(layout.length());
        if (summedMessages.length != GradientMessage.length(p)) {
            throw new IllegalArgumentException("combined message has " + summedMessages.length + " values, expected "
                    + GradientMessage.length(p));
        }
        int contributors = Math.round(summedMessages[p + GradientMessage.CONTRIBUTORS]);
        long images = Math.round(summedMessages[p + GradientMessage.IMAGES]);
        long skippedImages = Math.round(summedMessages[p + GradientMessage.SKIPPED_IMAGES]);
        double lr = schedule.at(step);
        if (contributors == 0) {
            return skip("no replica had an image", Double.NaN, Double.NaN, lr, images, contributors, skippedImages);
        }
        double loss = summedMessages[p + GradientMessage.LOSS] / Math.max(1, images);
        INDArray combined = Nd4j.createFromArray(java.util.Arrays.copyOf(summedMessages, p));
        boolean nonFinite = summedMessages[p + GradientMessage.NON_FINITE] != 0f
                || combined.isNaN().any() || combined.isInfinite().any();
        if (nonFinite) {
            return skip("non-finite gradient", loss, Double.NaN, lr, images, contributors, skippedImages);
        }
        INDArray statisticUpdate = combined.mul(statisticMask).divi(contributors);
        INDArray gradient = combined.muli(trainableMask);
        if (!rule.sumReplicas()) {
            gradient.muli(1.0 / images);
        }
        if (rule.weightDecay() != 0) {
            // Each replica's loss carries the decay term, so a sum over replicas carries it that many times.
            double wd = rule.weightDecay() * (rule.sumReplicas() ? contributors : 1);
            gradient.addi(params.mul(weightMask).muli(wd));
        }
        double norm = GradientClipping.clip(gradient, rule.clipMode(), rule.clipThreshold(), layout);
        optimizer.apply(params, gradient, lr);
        params.subi(statisticUpdate);
        if (average != null) {
            average.update(params, step);
        }
        StepOutcome outcome = new StepOutcome(step, true, null, loss, norm, lr, images, contributors, skippedImages);
        step++;
        return outcome;
    }

    private StepOutcome skip(String reason, double loss, double norm, double lr, long images, int contributors,
                             long skippedImages) {
        skippedSteps++;
        StepOutcome outcome = new StepOutcome(step, false, reason, loss, norm, lr, images, contributors, skippedImages);
        step++;
        return outcome;
    }

    public INDArray params() {
        return params;
    }

    /** The moving-average parameters (the evaluation weights), or the parameters when averaging is off. */
    public INDArray evaluationParams() {
        return average == null ? params : average.shadow();
    }

    public LinkedHashMap<String, INDArray> optimizerSlots() {
        return optimizer.slots();
    }

    public long step() {
        return step;
    }

    public long skippedSteps() {
        return skippedSteps;
    }

    public ParameterLayout layout() {
        return layout;
    }

    public LearningRateSchedule schedule() {
        return schedule;
    }

    /** Restores a checkpointed state (same layout). */
    public void restore(INDArray savedParams, LinkedHashMap<String, INDArray> slots, INDArray savedAverage, long savedStep,
                        long savedSkipped) {
        params.assign(savedParams.reshape(params.shape()));
        LinkedHashMap<String, INDArray> mine = optimizer.slots();
        if (!mine.keySet().equals(slots.keySet())) {
            throw new IllegalArgumentException("checkpoint optimizer slots " + slots.keySet() + " do not match " + mine.keySet()
                    + " (was the optimizer type changed?)");
        }
        mine.forEach((k, v) -> v.assign(slots.get(k).reshape(v.shape())));
        if (average != null && savedAverage != null) {
            average.shadow().assign(savedAverage.reshape(params.shape()));
        }
        step = savedStep;
        skippedSteps = savedSkipped;
    }
}

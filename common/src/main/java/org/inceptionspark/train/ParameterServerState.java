package org.inceptionspark.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.inceptionspark.optim.ExponentialMovingAverage;
import org.inceptionspark.optim.GradientClipping;
import org.inceptionspark.optim.LearningRateSchedule;
import org.inceptionspark.optim.Optimizer;
import org.inceptionspark.optim.Plateau;
import org.inceptionspark.optim.ParameterLayout;
import org.inceptionspark.optim.ParameterRole;
import org.inceptionspark.optim.ParameterSegment;

/**
 * The state the driver holds (parameters, optimizer slots, moving average, step) and the one
 * place where a step's combined replica messages are turned into new parameters:
 * <ol>
 *   <li>trainable gradient = mean over the step's images (or sum of the replicas' means), plus L2
 *       weight decay on weights;</li>
 *   <li>any non-finite value anywhere: the step is skipped, nothing changes but the skip counter;</li>
 *   <li>clipping, then the optimizer with the scheduled learning rate (times the plateau schedule's
 *       cuts, whose state is part of this one);</li>
 *   <li>batch-norm moving statistics: minus the replicas' mean update; frozen entries never move;</li>
 *   <li>moving average of all parameters; step + 1.</li>
 * </ol>
 * Two fused passes over the vector with no temporaries, each cut into chunks (pieces of one
 * segment) that run on all the driver's cores: at Inception-v3's 24M parameters this runs every step
 * on the driver's critical path, while every executor waits. Only pass 1's sums of squares depend
 * on an order, and they are combined in chunk order, so the result does not depend on the threads.
 */
public final class ParameterServerState {
    /** Values per chunk of the parallel update: large enough to amortise a task, small enough to balance. */
    static final int CHUNK = 1 << 16;

    /** {@code [from, to)} of one segment, the {@code segmentIndex}-th of the layout. */
    private record Chunk(ParameterSegment segment, int segmentIndex, int from, int to) {
    }

    private final ParameterLayout layout;
    private final UpdateRule rule;
    private final LearningRateSchedule schedule;
    private final float[] params;
    private final Optimizer optimizer;
    private final ExponentialMovingAverage average;
    private final Plateau plateau;
    private final double[] segmentSquares;
    private final Chunk[] chunks;
    private final double[] chunkSquares;
    private long step;
    private long skippedSteps;

    public ParameterServerState(ParameterLayout layout, float[] initialParams, UpdateRule rule,
                                LearningRateSchedule schedule, Supplier<Optimizer> optimizerFactory) {
        if (initialParams.length != layout.length()) {
            throw new IllegalArgumentException(initialParams.length + " initial parameters for a layout of " + layout.length());
        }
        this.layout = layout;
        this.rule = rule;
        this.schedule = schedule;
        this.params = initialParams.clone();
        this.optimizer = optimizerFactory.get();
        this.average = rule.movingAverage()
                ? rule.movingAveragePolyak()
                ? ExponentialMovingAverage.polyak(params)
                : new ExponentialMovingAverage(params, rule.movingAverageDecay(), rule.movingAverageWarmup()) : null;
        this.plateau = schedule.plateau() == null ? null : new Plateau(schedule.plateau());
        this.segmentSquares = new double[layout.segments().size()];
        this.chunks = chunks(layout);
        this.chunkSquares = new double[chunks.length];
    }

    /**
     * Applies one step from the element-wise sum ({@link PairwiseSum} order) of the replicas' messages.
     * {@code summed} is used as scratch and holds garbage afterwards.
     */
    public StepOutcome apply(float[] summed) {
        int p = Math.toIntExact(layout.length());
        if (summed.length != GradientMessage.length(p)) {
            throw new IllegalArgumentException("combined message has " + summed.length + " values, expected "
                    + GradientMessage.length(p));
        }
        int contributors = Math.round(summed[p + GradientMessage.CONTRIBUTORS]);
        long images = Math.round(summed[p + GradientMessage.IMAGES]);
        long skippedImages = Math.round(summed[p + GradientMessage.SKIPPED_IMAGES]);
        double lr = learningRate();
        if (contributors == 0) {
            return skip("no replica had an image", Double.NaN, Double.NaN, lr, images, contributors, skippedImages);
        }
        double loss = summed[p + GradientMessage.LOSS] / Math.max(1, images);
        if (summed[p + GradientMessage.NON_FINITE] != 0f) {
            return skip("non-finite gradient", loss, Double.NaN, lr, images, contributors, skippedImages);
        }

        // Pass 1: the trainable gradient (scaled, decayed) in place, its squares per chunk, and a
        // finiteness check.
        float scale = rule.sumReplicas() ? 1f : (float) (1.0 / images);
        float decay = (float) (rule.weightDecay() * (rule.sumReplicas() ? contributors : 1));
        IntStream.range(0, chunks.length).parallel().forEach(c -> chunkSquares[c] = gradientSquares(chunks[c], summed, scale, decay));
        // Reduced in chunk order, whatever thread summed which chunk: the same bits every run.
        double squares = 0;
        boolean finite = true;
        Arrays.fill(segmentSquares, 0);
        for (int c = 0; c < chunks.length; c++) {
            Chunk ch = chunks[c];
            double sq = chunkSquares[c];
            finite &= Double.isFinite(sq);
            if (ch.segment.role().trainable()) {
                segmentSquares[ch.segmentIndex] += sq;   // statistics are checked, never clipped
            }
        }
        for (double sq : segmentSquares) {
            squares += sq;
        }
        if (!finite || !Double.isFinite(squares)) {
            return skip("non-finite gradient", loss, Double.NaN, lr, images, contributors, skippedImages);
        }
        double norm = Math.sqrt(squares);
        float[] clip = new float[segmentSquares.length];
        for (int k = 0; k < clip.length; k++) {
            clip[k] = (float) GradientClipping.factor(rule.clipMode(), rule.clipThreshold(), Math.sqrt(segmentSquares[k]), norm);
        }

        // Pass 2: clip, optimise, move the statistics, average; every chunk on its own.
        float statisticScale = 1f / contributors;
        long t = step;
        IntStream.range(0, chunks.length).parallel().forEach(c -> update(chunks[c], summed, clip[chunks[c].segmentIndex], lr,
                statisticScale, t));
        StepOutcome outcome = new StepOutcome(step, true, null, loss, norm, lr, images, contributors, skippedImages);
        step++;
        return outcome;
    }

    /** Pass 1 on one chunk: the gradient made final in place; the sum of its squares (non-finite if any value is). */
    private double gradientSquares(Chunk ch, float[] summed, float scale, float decay) {
        double sq = 0;
        switch (ch.segment.role()) {
            case WEIGHT, TRAINABLE -> {
                // Each replica's loss carries the decay term, so a sum over replicas carries it that many times.
                float wd = ch.segment.role() == ParameterRole.WEIGHT ? decay : 0f;
                for (int i = ch.from; i < ch.to; i++) {
                    float g = summed[i] * scale + wd * params[i];
                    summed[i] = g;
                    sq += (double) g * g;
                }
            }
            case BATCH_NORM_STATISTIC -> {
                for (int i = ch.from; i < ch.to; i++) {
                    sq += (double) summed[i] * summed[i];
                }
            }
            case FROZEN -> {
            }
        }
        return sq;
    }

    /** Pass 2 on one chunk. */
    private void update(Chunk ch, float[] summed, float clip, double lr, float statisticScale, long t) {
        switch (ch.segment.role()) {
            case WEIGHT, TRAINABLE -> {
                if (clip != 1f) {
                    for (int i = ch.from; i < ch.to; i++) {
                        summed[i] *= clip;
                    }
                }
                optimizer.apply(params, summed, ch.from, ch.to, lr);
            }
            case BATCH_NORM_STATISTIC -> {
                for (int i = ch.from; i < ch.to; i++) {
                    params[i] -= summed[i] * statisticScale;
                }
            }
            case FROZEN -> {
            }
        }
        if (average != null) {
            average.update(params, ch.from, ch.to, t);
        }
    }

    /**
     * Cuts the segments into chunks of at most {@link #CHUNK} values, none spanning two segments:
     * the units the update's passes run in parallel.
     */
    private static Chunk[] chunks(ParameterLayout layout) {
        List<Chunk> out = new ArrayList<>();
        int k = 0;
        for (ParameterSegment s : layout.segments()) {
            for (long from = s.offset(); from < s.end(); from += CHUNK) {
                out.add(new Chunk(s, k, (int) from, (int) Math.min(s.end(), from + CHUNK)));
            }
            k++;
        }
        return out.toArray(new Chunk[0]);
    }

    private StepOutcome skip(String reason, double loss, double norm, double lr, long images, int contributors,
                             long skippedImages) {
        skippedSteps++;
        StepOutcome outcome = new StepOutcome(step, false, reason, loss, norm, lr, images, contributors, skippedImages);
        step++;
        return outcome;
    }

    /** The parameters, live: copy before handing them to anything that outlives the next step. */
    public float[] params() {
        return params;
    }

    /** The moving-average parameters (the evaluation weights), or the parameters when averaging is off. */
    public float[] evaluationParams() {
        return average == null ? params : average.shadow();
    }

    public boolean hasAverage() {
        return average != null;
    }

    public LinkedHashMap<String, float[]> optimizerSlots() {
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

    /** The learning rate of the next step: the schedule's, times the plateau cuts made so far. */
    public double learningRate() {
        return schedule.at(step) * (plateau == null ? 1.0 : plateau.multiplier());
    }

    /** The plateau schedule's state, or null when the learning rate follows the step alone. */
    public Plateau plateau() {
        return plateau;
    }

    /** Restores a checkpointed state (same layout). */
    public void restore(float[] savedParams, Map<String, float[]> slots, float[] savedAverage, long savedStep,
                        long savedSkipped) {
        copy("parameters", savedParams, params);
        LinkedHashMap<String, float[]> mine = optimizer.slots();
        if (!mine.keySet().equals(slots.keySet())) {
            throw new IllegalArgumentException("checkpoint optimizer slots " + slots.keySet() + " do not match " + mine.keySet()
                    + " (was the optimizer type changed?)");
        }
        mine.forEach((k, v) -> copy("optimizer slot " + k, slots.get(k), v));
        if (average != null && savedAverage != null) {
            copy("moving average", savedAverage, average.shadow());
        }
        step = savedStep;
        skippedSteps = savedSkipped;
    }

    private static void copy(String what, float[] from, float[] to) {
        if (from.length != to.length) {
            throw new IllegalArgumentException("checkpoint " + what + " has " + from.length + " values, expected " + to.length);
        }
        System.arraycopy(from, 0, to, 0, to.length);
    }
}

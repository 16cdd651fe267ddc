package org.inceptionspark.driver.metrics;

import org.inceptionspark.driver.train.StepTimings;
import org.inceptionspark.train.StepOutcome;

/**
 * The driver's live training figures, as the metrics plugin's gauges read them: written by the
 * step loop after every step, evaluation and checkpoint, read whenever a sink polls. One run at a
 * time per driver JVM (the step loop is the only writer), so a volatile snapshot is enough.
 */
public final class TrainingGauges {
    /** One consistent set of values; NaN where nothing has been measured yet. */
    public record Snapshot(long step, double epoch, double loss, double learningRate, double imagesPerSecond,
                           double stepSeconds, double slowestReplicaSeconds, double weightFetchSeconds,
                           double driverUpdateSeconds, long skippedSteps, long skippedImages, double top1Error,
                           double top5Error, long lastCheckpointMillis) {
        static final Snapshot EMPTY = new Snapshot(0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN, 0, 0, Double.NaN, Double.NaN, 0);
    }

    private static volatile Snapshot current = Snapshot.EMPTY;

    private TrainingGauges() {
    }

    public static Snapshot current() {
        return current;
    }

    /** A run starts (or resumes) at {@code step}: figures of an earlier run in this JVM no longer apply. */
    public static synchronized void start(long step, long skippedSteps) {
        current = new Snapshot(step, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, skippedSteps, 0, Double.NaN, Double.NaN, System.currentTimeMillis());
    }

    public static synchronized void stepped(StepOutcome o, long stepsDone, long skippedSteps, double epoch,
                                            StepTimings t) {
        Snapshot s = current;
        double loss = o.applied() ? o.loss() : s.loss();
        current = new Snapshot(stepsDone, epoch, loss, o.learningRate(), o.images() / Math.max(1e-9, t.wallSeconds()),
                t.wallSeconds(), t.slowestReplicaSeconds(), t.slowestWeightFetchSeconds(), t.driverUpdateSeconds(),
                skippedSteps, s.skippedImages() + o.skippedImages(), s.top1Error(), s.top5Error(),
                s.lastCheckpointMillis());
    }

    public static synchronized void evaluated(double top1Error, double top5Error) {
        Snapshot s = current;
        current = new Snapshot(s.step(), s.epoch(), s.loss(), s.learningRate(), s.imagesPerSecond(), s.stepSeconds(),
                s.slowestReplicaSeconds(), s.weightFetchSeconds(), s.driverUpdateSeconds(), s.skippedSteps(),
                s.skippedImages(), top1Error, top5Error, s.lastCheckpointMillis());
    }

    public static synchronized void checkpointed() {
        Snapshot s = current;
        current = new Snapshot(s.step(), s.epoch(), s.loss(), s.learningRate(), s.imagesPerSecond(), s.stepSeconds(),
                s.slowestReplicaSeconds(), s.weightFetchSeconds(), s.driverUpdateSeconds(), s.skippedSteps(),
                s.skippedImages(), s.top1Error(), s.top5Error(), System.currentTimeMillis());
    }
}

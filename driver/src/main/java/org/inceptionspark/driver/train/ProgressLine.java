package org.inceptionspark.driver.train;

import java.util.Locale;
import org.inceptionspark.train.StepOutcome;

/** The words an operator reads: the Spark job description of a step and the driver's progress line. */
final class ProgressLine {
    private ProgressLine() {
    }

    static String jobDescription(long step, long total, double epoch, double lr, double lastLoss) {
        return String.format(Locale.ROOT, "step %d/%d · epoch %.2f · lr %.4f · loss %s", step + 1, total, epoch, lr,
                Double.isNaN(lastLoss) ? "-" : String.format(Locale.ROOT, "%.4f", lastLoss));
    }

    static String progress(StepOutcome o, long total, double epoch, double imagesPerSecond, StepTimings t,
                           double secondsLeft, long skippedImagesSoFar) {
        String status = (skippedImagesSoFar == 0 ? "" : " · " + skippedImagesSoFar + " images skipped so far")
                + (o.applied() ? "" : " · SKIPPED (" + o.skipReason() + ")");
        return String.format(Locale.ROOT,
                "step %d/%d · epoch %.2f · lr %.4f · loss %.4f · |g| %.3f · %.1f img/s · step %.2fs (replica %.2fs,"
                        + " sync %.2fs: weights %.2fs, update %.2fs) · ETA %s%s",
                o.step() + 1, total, epoch, o.learningRate(), o.loss(), o.gradientNorm(), imagesPerSecond,
                t.wallSeconds(), t.slowestReplicaSeconds(), t.overheadSeconds(), t.slowestWeightFetchSeconds(),
                t.driverUpdateSeconds(), duration(secondsLeft), status);
    }

    static String duration(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "-";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
}

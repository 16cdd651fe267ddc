package org.inceptionspark.train;

/**
 * Layout of what a replica sends for one step: the P gradient entries (the mean over its
 * images for trainable parameters, DL4J's moving-statistics update for batch-norm statistics),
 * followed by a few scalars that are summed along with it, so one reduction carries everything.
 */
public final class GradientMessage {
    /** Replica's mean loss over its images (0 when it had none). */
    public static final int LOSS = 0;
    /** Images the replica trained on. */
    public static final int IMAGES = 1;
    /** 1 when the replica had at least one image, so "mean over replicas" ignores empty ones. */
    public static final int CONTRIBUTORS = 2;
    /** Non-finite gradient entries the replica saw (any makes the driver skip the step). */
    public static final int NON_FINITE = 3;
    /** Images the replica could not decode (skipped, counted). */
    public static final int SKIPPED_IMAGES = 4;
    public static final int EXTRAS = 5;

    private GradientMessage() {
    }

    public static int length(long parameters) {
        return Math.toIntExact(parameters + EXTRAS);
    }
}

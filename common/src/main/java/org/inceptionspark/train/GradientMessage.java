package org.inceptionspark.train;

/**
 * Layout of what a replica sends for one step: the P gradient entries, followed by a few
 * scalars that are summed along with it, so one reduction carries everything. Trainable entries
 * are the sum of the per-image gradients over the replica's images when combining by mean (the
 * driver divides by all images of the step: exactly one large batch, even when the last step of
 * an epoch gives replicas unequal shards) and the replica's mean gradient when combining by sum.
 * Batch-norm statistic entries are DL4J's moving-statistics update.
 */
public final class GradientMessage {
    /** Sum over the replica's images of their loss (0 when it had none). */
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

package org.inceptionspark.train;

import org.inceptionspark.image.SplitMix64;

/**
 * Which images each replica trains on at each step of an epoch.
 *
 * <p>Each epoch is a permutation of {@code [0, numImages)} drawn from (seed, epoch) and cut into
 * global batches of {@code replicas x batchPerReplica}; global batch {@code s} is dealt to the
 * replicas in contiguous runs of {@code batchPerReplica}. Every image appears exactly once per epoch.
 *
 * <p><b>Last partial step.</b> When {@code numImages} is not a multiple of the global batch, the
 * last step of the epoch holds the remaining {@code r} images, spread as evenly as possible: every
 * replica gets {@code r / replicas} images and the first {@code r % replicas} replicas one more.
 * Shards of that step are therefore shorter than {@code batchPerReplica}, and when
 * {@code r < replicas} some replicas get an <i>empty</i> shard. Nothing is dropped or repeated;
 * the engine must combine gradients weighted by each replica's image count.
 */
public final class EpochPlan {
    private final long seed;
    private final long numImages;
    private final int replicas;
    private final int batchPerReplica;
    private long cachedEpoch = -1;
    private int[] cachedPermutation;

    public EpochPlan(long seed, long numImages, int replicas, int batchPerReplica) {
        if (numImages <= 0 || numImages > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("numImages must be in [1, 2^31-9], got " + numImages);
        }
        if (replicas <= 0 || batchPerReplica <= 0) {
            throw new IllegalArgumentException("replicas and batchPerReplica must be positive, got "
                    + replicas + " and " + batchPerReplica);
        }
        this.seed = seed;
        this.numImages = numImages;
        this.replicas = replicas;
        this.batchPerReplica = batchPerReplica;
    }

    public long globalBatch() {
        return (long) replicas * batchPerReplica;
    }

    /** Steps per epoch, the last one possibly partial. */
    public long stepsPerEpoch() {
        return (numImages + globalBatch() - 1) / globalBatch();
    }

    public long numImages() {
        return numImages;
    }

    public int replicas() {
        return replicas;
    }

    public int batchPerReplica() {
        return batchPerReplica;
    }

    /** Global image indices of one replica's shard; see the class comment for the last step. */
    public long[] shard(long epoch, long stepInEpoch, int replica) {
        if (epoch < 0 || stepInEpoch < 0 || stepInEpoch >= stepsPerEpoch() || replica < 0 || replica >= replicas) {
            throw new IllegalArgumentException("no shard for epoch " + epoch + ", step " + stepInEpoch
                    + ", replica " + replica + " (steps per epoch " + stepsPerEpoch() + ", replicas " + replicas + ")");
        }
        long stepStart = stepInEpoch * globalBatch();
        long inStep = Math.min(globalBatch(), numImages - stepStart);
        long start;
        long len;
        if (inStep == globalBatch()) {
            start = stepStart + (long) replica * batchPerReplica;
            len = batchPerReplica;
        } else {
            long base = inStep / replicas;
            long extra = inStep % replicas;
            start = stepStart + replica * base + Math.min(replica, extra);
            len = base + (replica < extra ? 1 : 0);
        }
        int[] perm = permutation(epoch);
        long[] out = new long[(int) len];
        for (int i = 0; i < len; i++) {
            out[i] = perm[(int) (start + i)];
        }
        return out;
    }

    /** The epoch's order; the last one is kept because all steps of an epoch ask for the same one. */
    private synchronized int[] permutation(long epoch) {
        if (epoch != cachedEpoch) {
            int n = (int) numImages;
            int[] p = new int[n];
            for (int i = 0; i < n; i++) {
                p[i] = i;
            }
            SplitMix64 rng = SplitMix64.of(seed, epoch, 0x5348554646L);
            for (int i = n - 1; i > 0; i--) {
                int j = (int) Long.remainderUnsigned(rng.nextLong(), i + 1L);
                int t = p[i];
                p[i] = p[j];
                p[j] = t;
            }
            cachedPermutation = p;
            cachedEpoch = epoch;
        }
        return cachedPermutation;
    }
}

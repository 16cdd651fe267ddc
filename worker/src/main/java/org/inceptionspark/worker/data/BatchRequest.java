package org.inceptionspark.worker.data;

import org.inceptionspark.config.ConfigLoader;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;
import org.inceptionspark.config.AugmentConfig;
import org.inceptionspark.image.DecodeLimits;

/**
 * One replica's shard for one step: which images (global indices), and how to preprocess them.
 * {@code train} selects the random augmentation seeded by (seed, epoch, imageId); otherwise the
 * central evaluation crop. {@code limits} bound every image's dimensions, checked from its header
 * before it is decoded. Equal requests are what lets a prefetched batch be handed out.
 */
public final class BatchRequest implements Serializable {
    private final long[] indices;
    private final long epoch;
    private final long seed;
    private final int inputSize;
    private final boolean train;
    private final AugmentConfig augment;
    private final DecodeLimits limits;

    public BatchRequest(long[] indices, long epoch, long seed, int inputSize, boolean train, AugmentConfig augment,
                        DecodeLimits limits) {
        this.indices = indices.clone();
        this.epoch = epoch;
        this.seed = seed;
        this.inputSize = inputSize;
        this.train = train;
        this.augment = Objects.requireNonNull(augment);
        this.limits = Objects.requireNonNull(limits);
    }

    /** A training batch with reference.conf's augmentation and no decode limit below the ceiling. */
    public static BatchRequest train(long[] indices, long epoch, long seed, int inputSize) {
        return new BatchRequest(indices, epoch, seed, inputSize, true, ConfigLoader.defaults().augment(), DecodeLimits.CEILING);
    }

    /** An evaluation batch with reference.conf's central crop and no decode limit below the ceiling. */
    public static BatchRequest eval(long[] indices, int inputSize) {
        return new BatchRequest(indices, 0, 0, inputSize, false, ConfigLoader.defaults().augment(), DecodeLimits.CEILING);
    }

    public BatchRequest withAugment(AugmentConfig params) {
        return new BatchRequest(indices, epoch, seed, inputSize, train, params, limits);
    }

    public BatchRequest withLimits(DecodeLimits decodeLimits) {
        return new BatchRequest(indices, epoch, seed, inputSize, train, augment, decodeLimits);
    }

    public DecodeLimits limits() {
        return limits;
    }

    public long[] indices() {
        return indices.clone();
    }

    int size() {
        return indices.length;
    }

    long index(int i) {
        return indices[i];
    }

    public long epoch() {
        return epoch;
    }

    public long seed() {
        return seed;
    }

    public int inputSize() {
        return inputSize;
    }

    public boolean train() {
        return train;
    }

    public AugmentConfig augment() {
        return augment;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BatchRequest r && epoch == r.epoch && seed == r.seed && inputSize == r.inputSize
                && train == r.train && Arrays.equals(indices, r.indices) && augment.equals(r.augment) && limits.equals(r.limits);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(indices), epoch, seed, inputSize, train);
    }
}

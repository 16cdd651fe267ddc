package org.inceptionspark.worker.data;

import org.inceptionspark.config.AugmentConfig;
import org.inceptionspark.train.EpochPlan;
import org.inceptionspark.worker.BatchSource;
import org.inceptionspark.worker.LabeledImages;
import org.inceptionspark.worker.SparkHadoopConf;
import org.inceptionspark.image.DecodeLimits;

/**
 * Training shards from a packed dataset: the epoch plan picks each replica's images for a global
 * step (every image once per epoch, shuffled from the seed and the epoch), the executor's loader
 * reads, decodes and augments them and decodes the next step's shard in the background.
 */
public final class PackedBatchSource implements BatchSource {
    private static final long serialVersionUID = 1L;
    private final String path;
    private final long numImages;
    private final long seed;
    private final int batchPerReplica;
    private final int inputSize;
    private final AugmentConfig augment;
    private final int decodeThreads;
    private final boolean prefetch;
    private final DecodeLimits limits;
    private transient EpochPlan plan;
    private transient ReplicaBatchLoader loader;

    public PackedBatchSource(String path, long numImages, long seed, int batchPerReplica, int inputSize,
                             AugmentConfig augment, int decodeThreads, boolean prefetch, DecodeLimits limits) {
        this.path = path;
        this.numImages = numImages;
        this.seed = seed;
        this.batchPerReplica = batchPerReplica;
        this.inputSize = inputSize;
        this.augment = augment;
        this.decodeThreads = decodeThreads;
        this.prefetch = prefetch;
        this.limits = limits;
    }

    private synchronized EpochPlan plan(int replicas) {
        if (plan == null || plan.replicas() != replicas) {
            plan = new EpochPlan(seed, numImages, replicas, batchPerReplica);
        }
        return plan;
    }

    /** Steps in one epoch for this replica count (the last one may be partial). */
    public long stepsPerEpoch(int replicas) {
        return plan(replicas).stepsPerEpoch();
    }

    BatchRequest request(long step, int replica, int replicas) {
        EpochPlan p = plan(replicas);
        long epoch = step / p.stepsPerEpoch();
        long[] indices = p.shard(epoch, step % p.stepsPerEpoch(), replica);
        return new BatchRequest(indices, epoch, seed, inputSize, true, augment, limits);
    }

    /** Looked up once per deserialized task object, not on every load and prefetch. */
    private synchronized ReplicaBatchLoader loader() {
        if (loader == null) {
            loader = ReplicaBatchLoader.forDataset(path, SparkHadoopConf.current(), decodeThreads);
        }
        return loader;
    }

    @Override
    public LabeledImages load(long step, int replica, int replicas) {
        DecodedBatch b = loader().load(request(step, replica, replicas));
        return b.size() == 0 ? LabeledImages.empty(b.skipped(), b.skippedDetails())
                : new LabeledImages(b.features(), b.labels(), b.skipped(), b.skippedDetails());
    }

    @Override
    public void prefetch(long step, int replica, int replicas) {
        if (!prefetch) {
            return;
        }
        loader().prefetch(request(step, replica, replicas));
    }

    @Override
    public long imagesPerEpoch() {
        return numImages;
    }
}

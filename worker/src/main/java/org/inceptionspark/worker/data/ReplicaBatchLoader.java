package org.inceptionspark.worker.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.inceptionspark.image.ImageDecoder;
import org.inceptionspark.image.ImageRecord;
import org.inceptionspark.image.Preprocessor;
import org.inceptionspark.image.RgbImage;
import org.inceptionspark.worker.metrics.ExecutorMeters;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.inceptionspark.worker.SparkHadoopConf;
import org.inceptionspark.image.DecodeLimits;

/**
 * Executor-side reader of one packed dataset: reads, decodes and preprocesses a replica's shard, and
 * can do the next step's shard in the background while the current one trains ({@link #prefetch}).
 * One instance per dataset path per JVM ({@link #forDataset}), so the index is read once per executor.
 */
public final class ReplicaBatchLoader {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaBatchLoader.class);
    private static final Map<String, ReplicaBatchLoader> CACHE = new ConcurrentHashMap<>();

    private final PackedDataset dataset;
    private final ForkJoinPool decodePool;
    private final ExecutorService prefetcher;
    /**
     * Next-step shards being decoded, one per replica this JVM trained (local mode and tasks of
     * several replicas train more than one); the oldest go first beyond {@link #MAX_PENDING}, since a
     * replica that runs elsewhere next step never picks its shard up.
     */
    private final Map<BatchRequest, CompletableFuture<DecodedBatch>> pending = new LinkedHashMap<>();
    static final int MAX_PENDING = 8;

    ReplicaBatchLoader(PackedDataset dataset, int decodeThreads) {
        this.dataset = dataset;
        int threads = decodeThreads > 0 ? decodeThreads : Runtime.getRuntime().availableProcessors();
        this.decodePool = new ForkJoinPool(threads);
        this.prefetcher = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "prefetch-" + dataset.path());
            t.setDaemon(true);
            return t;
        });
    }

    /** The JVM's loader for {@code path}, with a default Hadoop configuration (hdfs:// URIs carry the namenode). */
    public static ReplicaBatchLoader forDataset(String path) {
        return forDataset(path, SparkHadoopConf.current(), 0);
    }

    /** @param decodeThreads threads for decoding one shard, 0 = available processors (config data.decode-threads) */
    public static ReplicaBatchLoader forDataset(String path, Configuration conf, int decodeThreads) {
        return CACHE.computeIfAbsent(path, p -> {
            try {
                return new ReplicaBatchLoader(PackedDataset.open(p, conf), decodeThreads);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open packed dataset " + p + ": " + e.getMessage(), e);
            }
        });
    }

    /** Drops every cached loader of this JVM (tests; a dataset rewritten in place). */
    public static void clearCache() {
        CACHE.values().forEach(ReplicaBatchLoader::close);
        CACHE.clear();
    }

    public PackedDataset dataset() {
        return dataset;
    }

    /** The batch for {@code request}: the prefetched one if it matches, else decoded now. */
    public DecodedBatch load(BatchRequest request) {
        CompletableFuture<DecodedBatch> ready;
        synchronized (this) {
            ready = pending.remove(request);
        }
        if (ready != null) {
            try {
                return ready.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a prefetched batch", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof OutOfMemoryError oom) {
                    throw oom;
                }
                LOG.warn("prefetch failed, decoding again: {}", e.getCause().toString());
            }
        }
        return decode(request);
    }

    /** Starts decoding {@code next} in the background; a later {@link #load} of an equal request gets it. */
    public synchronized void prefetch(BatchRequest next) {
        if (pending.containsKey(next)) {
            return;
        }
        pending.put(next, CompletableFuture.supplyAsync(() -> decode(next), prefetcher));
        Iterator<CompletableFuture<DecodedBatch>> oldest = pending.values().iterator();
        while (pending.size() > MAX_PENDING) {
            oldest.next().cancel(false);
            oldest.remove();
        }
    }

    /** Shards prefetched and not yet loaded. */
    synchronized int pendingCount() {
        return pending.size();
    }

    DecodedBatch decode(BatchRequest req) {
        int n = req.size();
        int size = req.inputSize();
        int stride = 3 * size * size;
        float[] data = new float[n * stride];
        String[] failures = new String[n];
        int[] labels = new int[n];
        Preprocessor pre = new Preprocessor(req.augment());
        try {
            dataset.loadIndex();
        } catch (IOException e) {
            // the whole dataset is unreadable: fail the task, never a step of dropped images
            throw new UncheckedIOException(e.getMessage(), e);
        }
        Runnable work = () -> IntStream.range(0, n).parallel().forEach(i -> {
            long gi = req.index(i);
            try {
                ImageRecord rec = dataset.read(gi);
                labels[i] = rec.label();
                RgbImage img = ImageDecoder.decode(rec.encoded(), req.limits());
                if (req.train()) {
                    pre.train(img, req.seed(), req.epoch(), rec.imageId(), size, data, i * stride);
                } else {
                    pre.eval(img, size, data, i * stride);
                }
            } catch (Exception e) {
                // A step must never fail on one bad image: it is dropped from the batch and reported.
                failures[i] = "image " + gi + " of " + dataset.path() + ": " + e;
            } catch (OutOfMemoryError e) {
                // not the image's fault, and a JVM out of memory is not safe to go on with: the task fails, saying so
                throw DecodeLimits.outOfMemory("image " + gi + " of " + dataset.path(), e);
            }
        });
        long t0 = System.nanoTime();
        decodePool.submit(work).join();
        ExecutorMeters.shardDecoded(n, System.nanoTime() - t0);
        return assemble(data, labels, failures, req, stride);
    }

    private static DecodedBatch assemble(float[] data, int[] labels, String[] failures, BatchRequest req, int stride) {
        int n = req.size();
        List<String> skipped = new ArrayList<>();
        int kept = 0;
        for (int i = 0; i < n; i++) {
            if (failures[i] != null) {
                skipped.add(failures[i]);
            } else {
                kept++;
            }
        }
        float[] out = data;
        int[] keptLabels = labels;
        long[] keptIndices = req.indices();
        if (kept < n) {
            LOG.warn("skipped {} undecodable images: {}", skipped.size(), skipped);
            out = new float[kept * stride];
            keptLabels = new int[kept];
            keptIndices = new long[kept];
            for (int i = 0, k = 0; i < n; i++) {
                if (failures[i] == null) {
                    System.arraycopy(data, i * stride, out, k * stride, stride);
                    keptLabels[k] = labels[i];
                    keptIndices[k] = req.index(i);
                    k++;
                }
            }
        }
        int size = req.inputSize();
        var features = Nd4j.create(out, new long[]{kept, 3, size, size}, 'c');
        return new DecodedBatch(features, keptLabels, keptIndices, skipped.size(), Collections.unmodifiableList(skipped));
    }

    private void close() {
        prefetcher.shutdownNow();
        decodePool.shutdownNow();
        try {
            decodePool.awaitTermination(5, TimeUnit.SECONDS);
            dataset.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.warn("closing {}: {}", dataset.path(), e.toString());
        }
    }
}

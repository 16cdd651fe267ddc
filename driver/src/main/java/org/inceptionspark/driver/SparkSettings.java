package org.inceptionspark.driver;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.inceptionspark.driver.metrics.MetricsPlugin;
import org.inceptionspark.runtime.NativeRuntime;

/**
 * The Spark settings the synchronous engine runs best with, applied by every command that creates
 * a SparkContext ({@code train}, {@code bench sync}, ...). Only keys the user did not set (in
 * spark-defaults.conf, with {@code spark-submit --conf}, or in code) are filled in.
 *
 * <p>Why each: every step moves one 96 MB weight
 * vector out by torrent broadcast and one 96 MB summed gradient in through the shuffle; floats
 * of trained weights and gradients do not compress (LZ4 saves a few percent), so compressing them
 * only costs CPU on the driver and on every executor, on the critical path of every step.
 */
public final class SparkSettings {
    private SparkSettings() {
    }

    /** Defaults, in the order they are applied. */
    public static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("spark.broadcast.compress", "false");
        d.put("spark.shuffle.compress", "false");
        d.put("spark.shuffle.spill.compress", "false");
        // One summed gradient (96 MB for Inception-v3) is collected per step; DL4J-style
        // collection of N parameter vectors would need more, ours never does.
        d.put("spark.driver.maxResultSize", "2g");
        // Kryo moves the 96 MB payloads with bulk copies (KryoRegistration), fast even before the
        // JIT has compiled the path; Java serialization cuts them into 1 KB blocks (figures in
        // docs/architecture.md, How gradients are combined).
        d.put("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
        d.put("spark.kryo.registrator", "org.inceptionspark.worker.KryoRegistration");
        // Only the classes KryoRegistration lists may travel: an unlisted class fails the job naming
        // it, rather than being written by name and built by reflection on the receiving side.
        d.put("spark.kryo.registrationRequired", "true");
        // A task result is serialized into one Kryo buffer: a summed slice is up to a whole message.
        d.put("spark.kryoserializer.buffer.max", "1g");
        // Each replica writes one 96 MB message per step to the shuffle. The bypass writer (Spark's
        // choice below 200 reduce partitions) writes one file per slice, then copies them into one;
        // the serialized (unsafe) writer sorts the records in memory and writes one file, several
        // times faster (docs/architecture.md, How gradients are combined). A 1 MB buffer writes in
        // fewer system calls.
        d.put("spark.shuffle.sort.bypassMergeThreshold", "0");
        // Backup replicas, as the paper's TF setup had: once half of a stage's tasks are done, a task
        // running 1.5x longer than their median gets a copy on another host. Tasks are deterministic,
        // so whichever copy finishes first gives the same bits, and Spark counts the accumulators of
        // that copy only. Copies run on slots the step leaves idle while it waits for its last
        // replica. Spark's efficiency test measures records read, which replica tasks do not have.
        d.put("spark.speculation", "true");
        d.put("spark.speculation.quantile", "0.5");
        d.put("spark.speculation.multiplier", "1.5");
        d.put("spark.speculation.minTaskRuntime", "1s");
        d.put("spark.speculation.efficiency.enabled", "false");
        d.put("spark.shuffle.file.buffer", "1m");
        // The native allocator is chosen when the executor process starts, so it travels as its
        // environment: jemalloc preloaded with its options, and glibc's huge pages where jemalloc
        // is not installed (NativeRuntime; the loader skips a missing preload with a warning).
        NativeRuntime.executorEnvironment().forEach((k, v) -> d.put("spark.executorEnv." + k, v));
        // Live training figures in Spark's metrics system (MetricsPlugin), served by the driver UI in
        // Prometheus's text format at /metrics/prometheus/ (deploy/grafana-dashboard.json reads them).
        // A fixed namespace instead of the application id keeps metric names stable across runs.
        d.put(PLUGINS, MetricsPlugin.class.getName());
        d.put("spark.metrics.conf.*.sink.prometheusServlet.class", "org.apache.spark.metrics.sink.PrometheusServlet");
        d.put("spark.metrics.conf.*.sink.prometheusServlet.path", "/metrics/prometheus");
        d.put("spark.metrics.namespace", "inception_spark");
        return d;
    }

    /** Spark's torrent piece size; our default is {@link #broadcastBlockSize}. */
    public static final String BROADCAST_BLOCK_SIZE = "spark.broadcast.blockSize";

    /**
     * The torrent piece size for a run whose weights take {@code weightBytes} and that trains
     * {@code replicas} replicas: the weights divided among the replicas' executors, between 1 and 32
     * MiB. A torrent broadcast reads its pieces one after another, each with round trips to the
     * driver, so Spark's 4 MiB pieces made the weight fetch the largest part of a step's overhead;
     * fewer, larger pieces cut it (docs/architecture.md). Pieces no larger than weights/N keep the
     * driver's upload flat in N: when a step starts, every executor fetches its first piece from the
     * driver, and those first pieces add up to about one copy of the weights.
     */
    public static String broadcastBlockSize(long weightBytes, int replicas) {
        long mib = 1 << 20;
        long perExecutor = (weightBytes + Math.max(1, replicas) - 1) / Math.max(1, replicas);
        long size = Math.max(mib, Math.min(32 * mib, perExecutor));
        return ((size + mib - 1) / mib) + "m";
    }

    /**
     * {@link #apply(SparkConf)}, and the torrent piece size for a run of {@code replicas} replicas
     * whose weights take {@code weightBytes} ({@link #broadcastBlockSize}), unless set.
     */
    public static SparkConf apply(SparkConf conf, long weightBytes, int replicas) {
        conf.setIfMissing(BROADCAST_BLOCK_SIZE, broadcastBlockSize(weightBytes, replicas));
        return apply(conf);
    }

    private static final String REGISTRATOR = "spark.kryo.registrator";
    private static final String PLUGINS = "spark.plugins";

    /**
     * Sets each default where {@code conf} has no value yet; returns {@code conf}. A user's own Kryo
     * registrators are kept and ours is added to them (Spark takes a comma-separated list): without
     * it, records such as pack and evaluation results cannot cross a Kryo cluster. Likewise our
     * metrics plugin is added to a user's own {@code spark.plugins}.
     */
    public static SparkConf apply(SparkConf conf) {
        for (Map.Entry<String, String> e : defaults().entrySet()) {
            if (!conf.contains(e.getKey())) {
                conf.set(e.getKey(), e.getValue());
            }
        }
        addToList(conf, REGISTRATOR);
        addToList(conf, PLUGINS);
        return conf;
    }

    /** Adds our default of a comma-separated class list to the classes the user listed there. */
    private static void addToList(SparkConf conf, String key) {
        String ours = defaults().get(key);
        List<String> listed = Arrays.stream(conf.get(key).split(",")).map(String::trim)
                .filter(r -> !r.isEmpty()).toList();
        if (!listed.contains(ours)) {
            conf.set(key, String.join(",", listed) + "," + ours);
        }
    }
}

package org.inceptionspark.bench;

import org.inceptionspark.driver.commands.Command;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import java.util.stream.IntStream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.stats.SparkTrainingStats;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.stats.ParameterAveragingTrainingWorkerStats;
import org.deeplearning4j.spark.stats.EventStats;
import org.inceptionspark.driver.SparkSettings;
import org.inceptionspark.driver.cli.CliArgs;
import org.inceptionspark.driver.cli.ResultLine;
import org.inceptionspark.driver.cluster.StandaloneCluster;
import org.inceptionspark.driver.train.ExecutorCount;
import org.inceptionspark.driver.train.StepTimings;
import org.inceptionspark.driver.train.SyncTrainer;
import org.inceptionspark.driver.train.TaskSlots;
import org.inceptionspark.driver.train.TrainingSetup;
import org.inceptionspark.config.ModelConfig;
import org.inceptionspark.model.ModelZoo;
import org.inceptionspark.optim.LearningRateSchedule;
import org.inceptionspark.optim.TfRmsProp;
import org.inceptionspark.train.UpdateRule;
import org.nd4j.linalg.dataset.DataSet;

/**
 * {@code bench sync --replicas 2,4 [--model inception_v3] [--steps K] [--warmup W] [--first-warmup W0] [--batch B]
 * [--size 79] [--workers 2] [--master URL] [--slices S] [--replicas-per-task G] [--width 1.0] [--classes 1000]
 * [--executor-memory 3g] [--spark-conf k=v,k=v] [--no-spark-settings] [--timeline] [--no-dl4j]
 * [--open-cluster] [--no-metrics-plugin] [--peer SCRIPT [--peer-python PYTHON]] [--exchange spark|direct]
 * [--steps-per-job K] [--exchange-precision float32|bfloat16]}
 *
 * <p>The synchronisation cost of one training step of a full-width network (default Inception-v3,
 * 23.9M parameters; {@code --model vgg_d} moves VGG-16's 138M, at its fixed 224x224 input),
 * our engine against DL4J's {@link ParameterAveragingTrainingMaster} (averaging frequency 1, left
 * out with {@code --no-dl4j}), on
 * the same executors, model, images and SparkContext, steps alternated between the two so that
 * machine noise hits both alike. Per step: wall time; compute, the busiest executor's summed
 * replica compute (ours: the engine's accumulator per task; DL4J: its worker fit times from
 * {@code collectTrainingStats}); overhead = wall - compute; driver bytes in and out, from
 * {@code /proc/self/io} deltas of the driver JVM around the step; and the driver's memory for the
 * state it keeps between steps (parameters, optimizer slots, moving average).
 *
 * <p>To attribute the overhead, {@code --open-cluster} starts the loopback cluster without
 * authentication or encryption (Spark's defaults) and {@code --no-metrics-plugin} leaves out
 * {@code MetricsPlugin}; encryption alone goes off with
 * {@code --spark-conf spark.network.crypto.enabled=false,spark.io.encryption.enabled=false}.
 * {@code --peer SCRIPT} runs a peer's all-reduce ({@link PeerAllReduce}) for the same float count
 * and replica counts after our steps, and the RESULT line carries its time and our ratio to it.
 * {@code --exchange} is {@code cluster.exchange} for our engine (default spark), {@code --steps-per-job}
 * its {@code cluster.steps-per-job} (default 1), {@code --exchange-precision} its {@code
 * cluster.exchange-precision} (default float32; bfloat16 only with {@code --exchange direct}).
 */
public final class SyncBench implements Command {
    private static final String RUN_KEY = "bench-sync";
    private static final String TIME_SOURCE = "org.deeplearning4j.spark.time.TimeSource";

    /** One measured step. */
    public record Step(double wallMs, double computeMs, double slowestReplicaMs, long bytesIn, long bytesOut,
                double driverUpdateMs, double broadcastMs, double weightFetchMs, double jobMs, String timeline) {
        double overheadMs() {
            return wallMs - computeMs;
        }
    }

    /** Medians over the measured steps of one engine at one replica count. */
    public record Summary(double wallMs, double computeMs, double slowestReplicaMs, double overheadMs, double bytesIn,
                   double bytesOut, double driverUpdateMs, double broadcastMs, double weightFetchMs, double jobMs) {
        static Summary of(List<Step> steps) {
            return new Summary(median(steps, Step::wallMs), median(steps, Step::computeMs),
                    median(steps, Step::slowestReplicaMs), median(steps, Step::overheadMs),
                    median(steps, s -> s.bytesIn), median(steps, s -> s.bytesOut), median(steps, Step::driverUpdateMs),
                    median(steps, Step::broadcastMs), median(steps, Step::weightFetchMs), median(steps, Step::jobMs));
        }

        double bytes() {
            return bytesIn + bytesOut;
        }
    }

    /**
     * What one run measured, for {@code plan --calibrate}: the parameter count, the executors and
     * their cores, and per replica count our medians, the no-op job and the replicas per task.
     */
    public record Measurement(long parameters, int executors, int cores, Map<Integer, Summary> ours,
                              Map<Integer, Step> noop, Map<Integer, Integer> replicasPerTask) {
    }

    @Override
    public int run(String[] argv) throws Exception {
        measure(argv);
        return 0;
    }

    /** {@code --exchange spark|direct} (default spark, the product's default). */
    static org.inceptionspark.config.ClusterConfig.Exchange exchange(CliArgs args) {
        return args.choice("exchange", org.inceptionspark.config.ClusterConfig.Exchange.SPARK);
    }

    /** {@code --exchange-precision float32|bfloat16} (default float32; bfloat16 under the direct exchange only). */
    static org.inceptionspark.config.ClusterConfig.Precision precision(CliArgs args,
                                                                     org.inceptionspark.config.ClusterConfig.Exchange exchange) {
        org.inceptionspark.config.ClusterConfig.Precision p = args.choice("exchange-precision",
                org.inceptionspark.config.ClusterConfig.Precision.FLOAT32);
        if (p != org.inceptionspark.config.ClusterConfig.Precision.FLOAT32
                && exchange != org.inceptionspark.config.ClusterConfig.Exchange.DIRECT) {
            throw new IllegalArgumentException("--exchange-precision " + args.require("exchange-precision")
                    + " narrows the direct exchange's floats only: add --exchange direct");
        }
        return p;
    }

    /** The exchange as {@code cluster.exchange} spells it, for printouts and RESULT lines. */
    static String name(org.inceptionspark.config.ClusterConfig.Exchange exchange) {
        return exchange.name().toLowerCase(Locale.ROOT);
    }

    /** Runs the benchmark as {@code bench sync} with these arguments; returns what it measured. */
    public Measurement measure(String[] argv) throws Exception {
        CliArgs args = CliArgs.parse(argv, Set.of("replicas", "steps", "warmup", "first-warmup", "batch", "size", "workers",
                "master", "slices", "replicas-per-task", "width", "classes", "executor-memory", "spark-conf", "seed", "model",
                "peer", "peer-python", "exchange", "steps-per-job", "exchange-precision"),
                Set.of("no-spark-settings", "timeline", "no-dl4j", "open-cluster", "no-metrics-plugin"));
        int[] replicaCounts = Arrays.stream(args.option("replicas").orElse("2,4").split(","))
                .map(String::trim).mapToInt(Integer::parseInt).toArray();
        int steps = args.intOption("steps", 5);
        int warmup = args.intOption("warmup", 1);
        // the cluster's JVMs compile the exchange's paths during the first steps they ever run
        int firstWarmup = Math.max(warmup, args.intOption("first-warmup", warmup));
        int batch = args.intOption("batch", 2);
        String model = args.option("model").orElse(ModelConfig.INCEPTION_V3);
        int size = args.intOption("size", model.equals(ModelConfig.INCEPTION_V3) ? 79 : 224);
        int workers = args.intOption("workers", 2);
        int slices = args.intOption("slices", 0);
        int perTask = args.intOption("replicas-per-task", 0);
        org.inceptionspark.config.ClusterConfig.Exchange exchange = exchange(args);
        int stepsPerJob = args.intOption("steps-per-job", 1);
        if (stepsPerJob < 1 || stepsPerJob > 1 && exchange != org.inceptionspark.config.ClusterConfig.Exchange.DIRECT) {
            throw new IllegalArgumentException("--steps-per-job " + stepsPerJob + ": at least 1, and above 1 only with"
                    + " --exchange direct");
        }
        org.inceptionspark.config.ClusterConfig.Precision precision = precision(args, exchange);
        int classes = args.intOption("classes", 1000);
        long seed = args.intOption("seed", 42);
        double width = args.doubleOption("width", 1.0);
        String executorMemory = args.option("executor-memory").orElse("3g");
        String master = args.option("master").orElse(null);
        PeerAllReduce peer = args.option("peer")
                .map(p -> new PeerAllReduce(java.nio.file.Path.of(p), args.option("peer-python").orElse(null)))
                .orElse(null);

        ModelConfig spec = spec(model, classes, size, width);
        ComputationGraphConfiguration graph = ModelZoo.build(spec, seed);
        StandaloneCluster cluster = null;
        SparkConf conf;
        if (master == null) {
            cluster = args.flag("open-cluster") ? StandaloneCluster.startOpen(workers, 1, executorMemory)
                    : StandaloneCluster.start(workers, 1, executorMemory);
            conf = cluster.conf("bench sync", workers, executorMemory);
        } else {
            conf = new SparkConf().setMaster(master).setAppName("bench sync").set("spark.ui.enabled", "false");
            if (!master.startsWith("local")) {
                conf.set("spark.executor.memory", executorMemory).set("spark.cores.max", String.valueOf(workers))
                        .set("spark.executor.cores", "1");
            }
        }
        // DL4J's training stats time-stamp events with an NTP clock by default (no network here)
        String clock = "-D" + TIME_SOURCE + "=org.deeplearning4j.spark.time.SystemClockTimeSource";
        System.setProperty(TIME_SOURCE, "org.deeplearning4j.spark.time.SystemClockTimeSource");
        conf.set("spark.executor.extraJavaOptions", (conf.get("spark.executor.extraJavaOptions", "") + " " + clock).trim());
        // one core per executor: one OpenMP thread, or replicas oversubscribe the cores
        conf.set("spark.executorEnv.OMP_NUM_THREADS", "1");
        // DL4J's ParameterAveragingTrainingMaster, the comparison, ships its own classes (DataSets, its
        // workers' results), which the engine's registrator does not list
        conf.set("spark.kryo.registrationRequired", "false");
        for (String kv : args.option("spark-conf").map(s -> s.split(",")).orElse(new String[0])) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                conf.set(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
            }
        }
        if (!args.flag("no-spark-settings")) {
            // the torrent pieces a training run of the most replicas measured would get
            SparkSettings.apply(conf, 4 * parameters(graph), Arrays.stream(replicaCounts).max().orElseThrow());
        }
        if (args.flag("no-metrics-plugin")) {
            conf.remove("spark.plugins");
        }
        JavaSparkContext sc = new JavaSparkContext(conf);
        try {
            int executors = ExecutorCount.await(sc, sc.sc().isLocal() ? 1 : workers, Duration.ofSeconds(180));
            int cores = sc.sc().isLocal() ? sc.defaultParallelism() : conf.getInt("spark.executor.cores", 1);
            return measure(sc, graph, spec, replicaCounts, steps, warmup, firstWarmup, batch, slices, perTask, seed, executors,
                    cores, args.flag("timeline"), !args.flag("no-dl4j"), peer, exchange, stepsPerJob, precision);
        } finally {
            sc.stop();
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    static Measurement measure(JavaSparkContext sc, ComputationGraphConfiguration graph, ModelConfig spec,
                               int[] replicaCounts, int steps, int warmup, int firstWarmup, int batch, int slices,
                               int perTask, long seed, int executors, int cores, boolean timeline, boolean withDl4j,
                               PeerAllReduce peer,
                               org.inceptionspark.config.ClusterConfig.Exchange exchange, int stepsPerJob,
                               org.inceptionspark.config.ClusterConfig.Precision precision)
            throws Exception {
        ComputeListener listener = new ComputeListener();
        sc.sc().addSparkListener(listener);
        StageTimeline stages = timeline ? new StageTimeline() : null;
        if (stages != null) {
            sc.sc().addSparkListener(stages);
        }
        BenchImages images = new BenchImages(seed, batch, spec.inputSize(), spec.classes());
        long params = parameters(graph);
        String load = loadAverage();
        System.out.printf(Locale.ROOT, "bench sync: %s width %.2f at %dx%d, %d classes: %,d parameters (%.1f MB per vector)%n",
                spec.name(), spec.widthMultiplier(), spec.inputSize(), spec.inputSize(), spec.classes(), params,
                params * 4 / 1e6);
        System.out.printf(Locale.ROOT, "master %s, %d executor(s) of 1 core; %d image(s) per replica; %d warm-up + %d "
                + "measured steps per engine, alternated ours/DL4J; load average at start: %s%n", sc.master(), executors,
                batch, warmup, steps, load);
        System.out.println("Spark settings: " + settings(sc.getConf()));
        System.out.println("DL4J: ParameterAveragingTrainingMaster(workers=N, batchSizePerWorker=B, averagingFrequency=1,"
                + " RDDTrainingApproach.Direct (no export to disk), repartition only if partitions != N, prefetch 0,"
                + " collectTrainingStats); ours: SyncTrainer (broadcast + reduce-scatter of S slices), TF RMSProp on the driver.");
        System.out.println("compute = max(slowest replica, busiest executor's summed replica compute / its cores) (= the"
                + " slowest replica when N <= executor cores);"
                + " ours from the engine's per-task accumulator, DL4J from its worker fit times. overhead = wall - compute.");
        System.out.println("driver bytes = deltas of the driver JVM's /proc/self/io rchar (in) / wchar (out) around the step:"
                + " socket reads/writes (Java NIO uses read/write system calls) plus any file I/O; a no-op job of N tasks"
                + " shows that floor." + (DriverIo.available() ? "" : " (/proc/self/io unavailable here: bytes read 0)"));

        DriverState driverState = null;
        Map<Integer, Summary> ours = new HashMap<>();
        Map<Integer, Summary> theirs = new HashMap<>();
        Map<Integer, Step> noops = new HashMap<>();
        Map<Integer, Integer> perTaskUsed = new HashMap<>();
        for (int n : replicaCounts) {
            List<Step> ourSteps = new ArrayList<>();
            List<Step> dl4jSteps = new ArrayList<>();
            Step noop = noopJob(sc, n);
            noops.put(n, noop);
            TrainingSetup setup = new TrainingSetup(RUN_KEY, graph, images, n, batch, spec.classes(), 0.1, seed,
                    new UpdateRule(false, 4e-5, org.inceptionspark.config.OptimizerConfig.ClipMode.GLOBAL_NORM, 2.0, true, 0.9999, true, false),
                    LearningRateSchedule.of(0.045, 0.94, 2.0, true, images.imagesPerEpoch(), batch, n),
                    p -> new TfRmsProp(p, 0.9, 0.9, 1.0, 1.0), 1_000_000, slices, perTask);
            List<DataSet> data = images.dataSets(n);
            JavaRDD<DataSet> rdd = sc.parallelize(data, n).persist(StorageLevel.MEMORY_ONLY());
            rdd.count();
            SparkComputationGraph dl4j = withDl4j ? dl4jEngine(sc, graph, n, batch, seed) : null;
            try (SyncTrainer trainer = new SyncTrainer(sc, setup)) {
                trainer.exchange(exchange);
                trainer.stepsPerJob(stepsPerJob);
                trainer.exchangePrecision(precision);
                System.out.printf(Locale.ROOT, "N=%d: ours trains %d replica(s) per task (%d task slots) and sums them before the shuffle%n",
                        n, trainer.replicasPerTask(), TaskSlots.of(sc));
                perTaskUsed.put(n, trainer.replicasPerTask());
                if (driverState == null) {
                    // before any step, so a run that fails for memory still reports what the driver keeps
                    driverState = DriverState.of(trainer.state());
                    System.out.println(driverState);
                }
                int unmeasured = n == replicaCounts[0] ? firstWarmup : warmup;
                for (int i = 0; i < unmeasured + steps; i++) {
                    boolean measured = i >= unmeasured;
                    String tag = (measured ? "step " + (i - unmeasured + 1) : "warm-up " + (i + 1));
                    // alternate who goes first, so neither always runs right after the other's GC or cleanup
                    Step a;
                    Step b;
                    if (dl4j == null) {
                        a = oursStep(sc, trainer, listener, stages, n, cores, tag, exchange);
                        b = NOT_RUN;
                    } else if (i % 2 == 0) {
                        a = oursStep(sc, trainer, listener, stages, n, cores, tag, exchange);
                        b = dl4jStep(dl4j, rdd, n, cores);
                    } else {
                        b = dl4jStep(dl4j, rdd, n, cores);
                        a = oursStep(sc, trainer, listener, stages, n, cores, tag, exchange);
                    }

                    System.out.printf(Locale.ROOT, "  N=%d %-10s ours: wall %7.0f ms compute %7.0f overhead %7.0f (driver update %5.0f) in %7.1f MB out %7.1f MB"
                            + " | dl4j: wall %7.0f ms compute %7.0f overhead %7.0f in %7.1f MB out %7.1f MB%n",
                            n, tag, a.wallMs, a.computeMs, a.overheadMs(), a.driverUpdateMs, a.bytesIn / 1e6, a.bytesOut / 1e6,
                            b.wallMs, b.computeMs, b.overheadMs(), b.bytesIn / 1e6, b.bytesOut / 1e6);
                    if (a.timeline != null) {
                        System.out.print(a.timeline);
                    }
                    if (measured) {
                        ourSteps.add(a);
                        dl4jSteps.add(b);
                    }
                    System.gc(); // untimed: lets Spark's ContextCleaner drop stale broadcasts of both engines
                }
            } finally {
                rdd.unpersist(false);
            }
            ours.put(n, Summary.of(ourSteps));
            theirs.put(n, Summary.of(dl4jSteps));
            printTable(n, executors, batch, ours.get(n), theirs.get(n), noop);
        }
        int max = Arrays.stream(replicaCounts).max().orElseThrow();
        int min = Arrays.stream(replicaCounts).min().orElseThrow();
        double ratio = ours.get(max).bytes() / ours.get(min).bytes();
        System.out.printf(Locale.ROOT, "overhead at N=%d: ours %.0f ms, DL4J %.0f ms (%.1fx lower); our driver bytes N=%d/N=%d:"
                + " %.3f, DL4J's %.3f; load average at end: %s%n", max, ours.get(max).overheadMs(), theirs.get(max).overheadMs(),
                theirs.get(max).overheadMs() / ours.get(max).overheadMs(), max, min, ratio,
                theirs.get(max).bytes() / theirs.get(min).bytes(), loadAverage());
        String dl4jField = withDl4j ? String.format(Locale.ROOT, " dl4j_overhead_ms=%.0f", theirs.get(max).overheadMs()) : "";
        String peerField = peer == null ? "" : peerFields(peer, params, replicaCounts, ours);
        ResultLine.print(System.out, "overhead_ms=%.0f%s driver_bytes_n4_over_n2=%.3f model=%s parameters=%d"
                        + " driver_mb_per_step_n%d=%.1f driver_state_mb=%.1f exchange=%s steps_per_job=%d precision=%s%s",
                ours.get(max).overheadMs(), dl4jField, ratio, spec.name(), params, max, ours.get(max).bytes() / 1e6,
                driverState.totalBytes() / 1e6, name(exchange), stepsPerJob,
                precision.name().toLowerCase(Locale.ROOT), peerField);
        return new Measurement(params, executors, cores, ours, noops, perTaskUsed);
    }

    /**
     * Runs the peer for the same float count and replica counts, after our steps (our executors
     * idle then), prints its figures beside ours and returns the RESULT line's fields for the
     * largest count: the peer's all-reduce time and the ratio of our overhead to it.
     */
    private static String peerFields(PeerAllReduce peer, long floats, int[] replicaCounts, Map<Integer, Summary> ours)
            throws Exception {
        java.util.Optional<String> why = peer.unavailable();
        if (why.isPresent()) {
            System.out.println("peer: not run: " + why.get());
            return " peer=unavailable";
        }
        System.out.printf(Locale.ROOT, "peer: %s --floats %d, load average at start: %s%n", peer, floats, loadAverage());
        java.util.TreeMap<Integer, Double> peerMs = peer.run(floats, replicaCounts, 1800);
        for (int n : replicaCounts) {
            System.out.printf(Locale.ROOT, "N=%d: ours %.0f ms overhead per step, peer %.0f ms all-reduce: ours/peer %.2f%n",
                    n, ours.get(n).overheadMs(), peerMs.get(n), ours.get(n).overheadMs() / peerMs.get(n));
        }
        int max = Arrays.stream(replicaCounts).max().orElseThrow();
        return String.format(Locale.ROOT, " peer_allreduce_ms=%.0f ours_over_peer=%.2f", peerMs.get(max),
                ours.get(max).overheadMs() / peerMs.get(max));
    }

    /** The network the benchmark moves: the model's defaults without auxiliary heads, at {@code size}. */
    static ModelConfig spec(String model, int classes, int size, double width) {
        return ModelConfig.paper(model, classes).with("input-size", size).with("aux-head", false)
                .with("width-multiplier", width);
    }

    /** The parameter count of the vector {@code bench sync} moves for {@code model} (1000 classes, full width). */
    public static long parameters(String model) {
        int size = model.equals(ModelConfig.INCEPTION_V3) ? 79 : 224;
        return parameters(ModelZoo.build(spec(model, 1000, size, 1.0), 42));
    }

    /** The length of the flat parameter vector, as ComputationGraph.init sizes it, without allocating it. */
    static long parameters(ComputationGraphConfiguration graph) {
        return graph.getVertices().values().stream().mapToLong(v -> v.numParams(true)).sum();
    }

    private static final Step NOT_RUN = new Step(Double.NaN, Double.NaN, Double.NaN, 0, 0, 0, 0, 0, 0, null);

    private static SparkComputationGraph dl4jEngine(JavaSparkContext sc, ComputationGraphConfiguration graph, int n,
                                                    int batch, long seed) {
        ParameterAveragingTrainingMaster tm = new ParameterAveragingTrainingMaster.Builder(n, 1)
                .batchSizePerWorker(batch)
                .averagingFrequency(1)
                .workerPrefetchNumBatches(0)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .repartionData(Repartition.NumPartitionsWorkersDiffers)
                .collectTrainingStats(true)
                .rngSeed(seed)
                .build();
        ComputationGraph dl4jNet = ModelZoo.dl4jNetwork(graph, null);
        SparkComputationGraph dl4j = new SparkComputationGraph(sc, dl4jNet, tm);
        dl4j.setCollectTrainingStats(true);
        return dl4j;
    }

    /** What the driver keeps between steps, measured on the trainer's own arrays. */
    record DriverState(long parameters, long slotFloats, int slots, long averageFloats) {
        static DriverState of(org.inceptionspark.train.ParameterServerState s) {
            long slotFloats = s.optimizerSlots().values().stream().mapToLong(a -> a.length).sum();
            long average = s.evaluationParams() == s.params() ? 0 : s.evaluationParams().length;
            return new DriverState(s.params().length, slotFloats, s.optimizerSlots().size(), average);
        }

        long totalBytes() {
            return 4 * (parameters + slotFloats + averageFloats);
        }

        @Override
        public String toString() {
            Runtime rt = Runtime.getRuntime();
            return String.format(Locale.ROOT, "driver state between steps: parameters %.1f MB, optimizer slots %.1f MB"
                            + " (%d vectors), moving average %.1f MB: %.1f MB in all; driver JVM heap in use %.0f MB of max %.0f MB",
                    4 * parameters / 1e6, 4 * slotFloats / 1e6, slots, 4 * averageFloats / 1e6, totalBytes() / 1e6,
                    (rt.totalMemory() - rt.freeMemory()) / 1e6, rt.maxMemory() / 1e6);
        }
    }

    private static Step oursStep(JavaSparkContext sc, SyncTrainer trainer, ComputeListener listener,
                                 StageTimeline stages, int n, int cores, String tag,
                                 org.inceptionspark.config.ClusterConfig.Exchange exchange)
            throws InterruptedException {
        listener.clear();
        DriverIo io0 = DriverIo.now();
        long t0 = System.nanoTime();
        String description = "bench sync N=" + n + " " + tag;
        trainer.step(description);
        long t1 = System.nanoTime();
        DriverIo io = DriverIo.now().minus(io0);
        StepTimings t = trainer.lastTimings();
        double slowest = t.slowestReplicaSeconds() * 1e3;
        double busiest;
        if (t.busiestTaskComputeSeconds() > 0) {
            // a job of several steps: its tasks end only with it, and reported their compute with the step
            busiest = t.busiestTaskComputeSeconds() * 1e3;
        } else {
            List<ComputeListener.Sample> samples = listener.await(n, 10_000);
            busiest = samples.size() >= n ? ComputeListener.busiestExecutor(samples) / 1e6 / cores : slowest;
        }
        String timeline = stages == null ? null : String.format(Locale.ROOT,
                "    driver: %s %.0f ms, job %.0f ms, update %.0f ms; slowest replica %s %.0f ms%s%n",
                StepModel.weightsOut(exchange), t.broadcastSeconds() * 1e3, t.jobSeconds() * 1e3,
                t.driverUpdateSeconds() * 1e3, StepModel.weightsIn(exchange), t.slowestWeightFetchSeconds() * 1e3,
                exchange == org.inceptionspark.config.ClusterConfig.Exchange.DIRECT ? String.format(Locale.ROOT,
                        ", slowest task's gradient exchange %.0f ms (its message to its sums at the driver)",
                        t.slowestGradientExchangeSeconds() * 1e3) : "")
                + (t.busiestTaskComputeSeconds() > 0 ? "    (one job runs several steps: no stages of this step's own)\n"
                : stages.describeJob(description, 10_000));
        return new Step((t1 - t0) / 1e6, Math.max(slowest, busiest), slowest, io.read(), io.written(),
                t.driverUpdateSeconds() * 1e3, t.broadcastSeconds() * 1e3, t.slowestWeightFetchSeconds() * 1e3,
                t.jobSeconds() * 1e3, timeline);
    }

    private static Step dl4jStep(SparkComputationGraph dl4j, JavaRDD<DataSet> rdd, int n, int cores) {
        long startMillis = System.currentTimeMillis() - 1;
        DriverIo io0 = DriverIo.now();
        long t0 = System.nanoTime();
        dl4j.fit(rdd);
        long t1 = System.nanoTime();
        DriverIo io = DriverIo.now().minus(io0);
        Map<String, Long> perJvm = new HashMap<>();
        long slowest = 0;
        for (EventStats e : fitTimes(dl4j.getSparkTrainingStats())) {
            if (e.getStartTime() >= startMillis) {
                perJvm.merge(e.getJvmID(), e.getDurationMs(), Long::sum);
                slowest = Math.max(slowest, e.getDurationMs());
            }
        }
        double busiest = perJvm.values().stream().mapToLong(Long::longValue).max().orElse(0) / (double) cores;
        return new Step((t1 - t0) / 1e6, Math.max(slowest, busiest), slowest, io.read(), io.written(), 0, 0, 0, 0, null);
    }

    /** DL4J's per-minibatch worker fit times, wherever in the nested stats they sit. */
    private static List<EventStats> fitTimes(SparkTrainingStats stats) {
        String key = ParameterAveragingTrainingWorkerStats.PARAMETER_AVERAGING_WORKER_FIT_TIMES_MS;
        for (SparkTrainingStats s = stats; s != null; s = s.getNestedTrainingStats()) {
            if (s.getKeySet().contains(key)) {
                List<EventStats> v = s.getValue(key);
                return v == null ? List.of() : v;
            }
        }
        return List.of();
    }

    /** A job of N trivial tasks: Spark's own per-job floor of time and driver bytes. */
    private static Step noopJob(JavaSparkContext sc, int n) {
        List<Integer> ids = IntStream.range(0, n).boxed().toList();
        sc.parallelize(ids, n).map(i -> i + 1).collect();
        DriverIo io0 = DriverIo.now();
        long t0 = System.nanoTime();
        sc.parallelize(ids, n).map(i -> i + 1).collect();
        long t1 = System.nanoTime();
        DriverIo io = DriverIo.now().minus(io0);
        return new Step((t1 - t0) / 1e6, 0, 0, io.read(), io.written(), 0, 0, 0, 0, null);
    }

    private static void printTable(int n, int executors, int batch, Summary ours, Summary dl4j, Step noop) {
        System.out.printf(Locale.ROOT, "%nN=%d replicas x %d image(s) on %d executor(s), medians:%n", n, batch, executors);
        System.out.printf(Locale.ROOT, "  %-14s %9s %11s %12s %11s %14s %15s%n", "engine", "wall ms", "compute ms",
                "overhead ms", "slowest ms", "driver in MB", "driver out MB");
        for (Map.Entry<String, Summary> e : List.of(Map.entry("ours", ours), Map.entry("dl4j-paramavg", dl4j))) {
            Summary s = e.getValue();
            System.out.printf(Locale.ROOT, "  %-14s %9.0f %11.0f %12.0f %11.0f %14.1f %15.1f%n", e.getKey(), s.wallMs,
                    s.computeMs, s.overheadMs, s.slowestReplicaMs, s.bytesIn / 1e6, s.bytesOut / 1e6);
        }
        System.out.printf(Locale.ROOT, "  %-14s %9.0f %11s %12s %11s %14.3f %15.3f%n%n", "no-op job", noop.wallMs, "-", "-",
                "-", noop.bytesIn / 1e6, noop.bytesOut / 1e6);
    }

    private static String settings(SparkConf conf) {
        StringBuilder b = new StringBuilder();
        for (String k : List.of("spark.serializer", "spark.broadcast.compress", "spark.shuffle.compress",
                "spark.io.compression.codec", "spark.broadcast.blockSize")) {
            b.append(k.substring("spark.".length())).append('=').append(conf.get(k, "(default)")).append(' ');
        }
        return b.toString().trim();
    }

    private static String loadAverage() {
        try {
            String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return "n/a";
        }
    }

    static double median(List<Step> steps, ToDoubleFunction<Step> f) {
        double[] v = steps.stream().mapToDouble(f).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}

package org.inceptionspark.bench;

import org.inceptionspark.config.ClusterConfig;
import org.inceptionspark.driver.commands.Command;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.inceptionspark.driver.cli.CliArgs;
import org.inceptionspark.driver.cli.ResultLine;
import org.inceptionspark.train.GradientMessage;
import org.inceptionspark.train.PairwiseSum;

/**
 * {@code plan --replicas N --step-compute-ms C --network-gbps B [--slots N] [--images-per-replica 32]
 * [--model inception_v3] [--exchange spark|direct] [--steps-per-job K] [--exchange-precision float32|bfloat16] [--calibrate [--master URL] [--workers 2] [--spark-conf k=v,...]]}
 * projects a synchronous step with {@link StepModel}: its parts, images/s, scaling efficiency and
 * the time of one ImageNet epoch, through the exchange {@code inception.cluster.exchange} would
 * choose (default spark). The costs are {@link StepModel.Costs#defaults} unless
 * {@code --calibrate} measures them with a short {@code bench sync} run (2 replicas) on the cluster
 * at hand ({@code --master}; without it, a loopback standalone cluster as {@code bench sync} starts).
 *
 * <p>{@code plan --check [--check-replicas 2,4] [--steps 4] [--warmup 2] [--first-warmup 8] [--timeline]
 * [--peer SCRIPT]} tests the model on the cluster at hand: one {@code bench sync} run over the
 * replica counts, costs calibrated from the smallest,
 * every count's step and overhead projected (with its measured compute, no wire: loopback) and
 * set beside the measured ones, with the error.
 */
public final class PlanCommand implements Command {
    private static final List<String> BENCH_OPTIONS = List.of("master", "workers", "spark-conf", "executor-memory", "peer",
            "peer-python", "exchange", "exchange-precision");

    @Override
    public int run(String[] argv) throws Exception {
        CliArgs args = CliArgs.parse(argv, Set.of("replicas", "step-compute-ms", "network-gbps", "slots",
                        "images-per-replica", "model", "master", "workers", "spark-conf", "executor-memory",
                        "check-replicas", "steps", "warmup", "first-warmup", "peer", "peer-python", "input-images-per-core",
                        "exchange", "steps-per-job", "exchange-precision"),
                Set.of("calibrate", "check", "timeline"));
        String model = args.option("model").orElse("inception_v3");
        ClusterConfig.Exchange exchange = SyncBench.exchange(args);
        int stepsPerJob = positiveInt(args, "steps-per-job", 1);
        ClusterConfig.Precision precision = SyncBench.precision(args, exchange);
        if (stepsPerJob > 1 && (exchange != ClusterConfig.Exchange.DIRECT || args.flag("check"))) {
            throw new IllegalArgumentException("--steps-per-job " + stepsPerJob + " projects the direct exchange's"
                    + " scheduling shared by several steps: it needs --exchange direct, and plan --check measures a job per step");
        }
        if (args.flag("check")) {
            return check(args, model, exchange);
        }
        int replicas = positiveInt(args, "replicas", null);
        double computeMs = positiveDouble(args, "step-compute-ms");
        double gbps = positiveDouble(args, "network-gbps");
        int slots = positiveInt(args, "slots", replicas);
        int images = positiveInt(args, "images-per-replica", 32);
        double inputRate = args.option("input-images-per-core").isPresent()
                ? positiveDouble(args, "input-images-per-core") : INPUT_IMAGES_PER_CORE;
        long parameters;
        StepModel.Costs costs;
        String source;
        if (args.flag("calibrate")) {
            SyncBench.Measurement m = new SyncBench().measure(benchArgs(args, model, "2", 3));
            parameters = m.parameters();
            costs = calibrate(m, m.ours().keySet().stream().min(Integer::compare).orElseThrow(), exchange);
            source = "calibrated just now (bench sync, 2 replicas, on this cluster)";
        } else {
            parameters = SyncBench.parameters(model);
            costs = StepModel.Costs.defaults(exchange);
            source = "defaults (the development machine's loopback cluster, docs/performance.md)";
        }
        StepModel stepModel = new StepModel(parameters, costs, exchange, stepsPerJob, precision);
        StepModel.Projection p = stepModel.project(replicas, slots, computeMs, gbps, images);
        print(model, exchange, stepsPerJob, stepModel, parameters, costs, source, gbps, p, inputRate);
        return 0;
    }

    /**
     * Decoded and augmented 299x299 training images per second on one core ({@code bench input} on
     * the quiet development machine, docs/performance.md): what feeding a replica costs in CPU.
     */
    static final double INPUT_IMAGES_PER_CORE = 205;

    /** Unmeasured steps before each replica count's measured ones ({@code --warmup}), and before the first's. */
    static final int WARMUP_STEPS = 2;
    static final int FIRST_WARMUP_STEPS = 8;

    static void print(String model, ClusterConfig.Exchange exchange, int stepsPerJob, StepModel stepModel, long parameters,
                      StepModel.Costs costs, String source, double gbps, StepModel.Projection p, double inputImagesPerCore) {
        System.out.printf(Locale.ROOT, "plan: %s, %,d parameters: weights %.1f MB and gradient message %.1f MB per step;"
                        + " %d replicas on %d task slots (%d per task, %d blocks, %d slices), %d images per replica,"
                        + " compute %.0f ms per replica step, network %.1f Gbit/s; cluster.exchange = %s%s%s%n", model, parameters,
                stepModel.weightBytes() / 1e6, stepModel.messageBytes() / 1e6, p.replicas(), p.slots(),
                p.replicasPerTask(), p.blocks(), p.slices(), p.imagesPerReplica(), p.computePerReplicaMs(), gbps,
                SyncBench.name(exchange), stepsPerJob > 1 ? ", cluster.steps-per-job = " + stepsPerJob : "",
                stepModel.narrowed() ? ", cluster.exchange-precision = bfloat16 (half the wire bytes)" : "");
        System.out.println("costs: " + costs.describe(exchange) + "; " + source);
        for (Map.Entry<String, Double> e : p.partsMs().entrySet()) {
            System.out.printf(Locale.ROOT, "  %-14s %9.0f ms%n", e.getKey(), e.getValue());
        }
        System.out.printf(Locale.ROOT, "  %-14s %9.0f ms (overhead %.0f ms)%n", "step", p.stepMs(), p.overheadMs());
        System.out.printf(Locale.ROOT, "images/s %.0f, scaling efficiency %.1f%%, one ImageNet epoch (%,d images) %.1f h;"
                        + " limited by: %s%n", p.imagesPerSecond(), 100 * p.scalingEfficiency(),
                StepModel.IMAGENET_TRAIN_IMAGES, p.epochSeconds() / 3600, p.limitingPart());
        // a replica is fed when its input keeps pace with its compute, whatever the synchronisation adds
        double replicaImagesPerSecond = p.imagesPerReplica() / (p.computePerReplicaMs() / 1000);
        double inputCores = replicaImagesPerSecond / inputImagesPerCore;
        System.out.printf(Locale.ROOT, "input: %.0f images/s keep one replica's compute busy (%d images per %.0f ms):"
                        + " %.1f cores per replica (GPU) at %.0f decoded and augmented images/s per core"
                        + " (bench input; --input-images-per-core)%n", replicaImagesPerSecond, p.imagesPerReplica(),
                p.computePerReplicaMs(), inputCores, inputImagesPerCore);
        ResultLine.print(System.out, "step_ms=%.0f overhead_ms=%.0f images_per_s=%.0f efficiency=%.3f epoch_h=%.2f limit=%s"
                        + " input_cores_per_replica=%.1f", p.stepMs(), p.overheadMs(), p.imagesPerSecond(),
                p.scalingEfficiency(), p.epochSeconds() / 3600, p.limitingPart().replace(' ', '_'), inputCores);
    }

    /** Calibrates from one replica count of a bench sync run (its medians); the sum cost is timed here. */
    static StepModel.Costs calibrate(SyncBench.Measurement m, int n, ClusterConfig.Exchange exchange) {
        SyncBench.Summary s = m.ours().get(n);
        return StepModel.calibrate(exchange, m.parameters(), n, m.replicasPerTask().get(n), s.broadcastMs(), s.weightFetchMs(),
                s.computeMs(), s.jobMs(), s.driverUpdateMs(), m.noop().get(n).wallMs(), sumNsPerByte(m.parameters()));
    }

    /** Adding one gradient message into another, as a task summing its replicas does: the fastest of 3. */
    static double sumNsPerByte(long parameters) {
        int length = GradientMessage.length(parameters);
        float[] a = new float[length];
        float[] b = new float[length];
        Arrays.fill(b, 1f);
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            new PairwiseSum().add(a).add(b).result();
            best = Math.min(best, System.nanoTime() - t0);
        }
        return best / (4.0 * length);
    }

    private int check(CliArgs args, String model, ClusterConfig.Exchange exchange) throws Exception {
        int[] counts = Arrays.stream(args.option("check-replicas").orElse("2,4").split(",")).map(String::trim)
                .mapToInt(Integer::parseInt).sorted().toArray();
        SyncBench.Measurement m = new SyncBench().measure(benchArgs(args, model,
                String.join(",", Arrays.stream(counts).mapToObj(String::valueOf).toList()), args.intOption("steps", 4)));
        int calibrateAt = counts[0];
        StepModel.Costs costs = calibrate(m, calibrateAt, exchange);
        StepModel model0 = new StepModel(m.parameters(), costs, exchange);
        int slots = m.executors() * m.cores();
        System.out.printf(Locale.ROOT, "%nplan check (cluster.exchange = %s): costs calibrated at N=%d: %s; %d task slots,"
                        + " loopback (no wire time)%n", SyncBench.name(exchange), calibrateAt, costs.describe(exchange), slots);
        System.out.printf(Locale.ROOT, "  %3s %14s %14s %7s %16s %16s %7s%n", "N", "step ms model", "step ms bench",
                "error", "overhead model", "overhead bench", "error");
        List<String> fields = new ArrayList<>();
        for (int n : counts) {
            SyncBench.Summary s = m.ours().get(n);
            int g = m.replicasPerTask().get(n);
            StepModel.Projection p = model0.project(n, slots, s.computeMs() / g, Double.POSITIVE_INFINITY, 32);
            double stepError = p.stepMs() / s.wallMs() - 1;
            double overheadError = p.overheadMs() / s.overheadMs() - 1;
            System.out.printf(Locale.ROOT, "  %3d %14.0f %14.0f %+6.1f%% %16.0f %16.0f %+6.1f%%%n", n, p.stepMs(), s.wallMs(),
                    100 * stepError, p.overheadMs(), s.overheadMs(), 100 * overheadError);
            fields.add(String.format(Locale.ROOT, "step_error_n%d=%.3f overhead_error_n%d=%.3f", n, stepError, n, overheadError));
        }
        ResultLine.print(System.out, "%s calibrated_at=%d exchange=%s", String.join(" ", fields), calibrateAt,
                SyncBench.name(exchange));
        return 0;
    }

    private static String[] benchArgs(CliArgs args, String model, String replicas, int steps) {
        // a fresh cluster's first steps run before the JIT has compiled the exchange's paths: their
        // weight fetch measured 2-5x the later ones', which would calibrate a slow network
        List<String> a = new ArrayList<>(List.of("--replicas", replicas, "--no-dl4j", "--steps", String.valueOf(steps),
                "--warmup", String.valueOf(args.intOption("warmup", WARMUP_STEPS)), "--first-warmup",
                String.valueOf(args.intOption("first-warmup", FIRST_WARMUP_STEPS)), "--model", model));
        for (String k : BENCH_OPTIONS) {
            args.option(k).ifPresent(v -> {
                a.add("--" + k);
                a.add(v);
            });
        }
        if (args.flag("timeline")) {
            a.add("--timeline");
        }
        return a.toArray(String[]::new);
    }

    private static int positiveInt(CliArgs args, String key, Integer dflt) {
        if (dflt == null) {
            args.require(key);
        }
        int v = args.intOption(key, dflt == null ? 0 : dflt);
        if (v < 1) {
            throw new IllegalArgumentException("--" + key + " must be at least 1, got " + v);
        }
        return v;
    }

    private static double positiveDouble(CliArgs args, String key) {
        args.require(key);
        double v = args.doubleOption(key, Double.NaN);
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("--" + key + " must be a positive number, got " + args.option(key).orElse(""));
        }
        return v;
    }
}

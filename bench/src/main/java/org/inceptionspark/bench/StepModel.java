package org.inceptionspark.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import org.inceptionspark.config.ClusterConfig;
import org.inceptionspark.driver.train.TaskSlots;
import org.inceptionspark.train.GradientMessage;
import org.inceptionspark.worker.DirectExchange;

/**
 * A synchronous step's time from the bytes the engine moves and what each byte and task costs.
 *
 * <p>Per step the engine moves, whatever the replica count N: the weights W = 4P bytes (P
 * parameters), serialised once by the driver and fetched once by every executor (a torrent
 * broadcast: the driver's link sends about one copy, executors relay pieces to each other); and
 * one gradient message G = 4(P + {@link GradientMessage#EXTRAS}) bytes per block of g replicas
 * (g = replicas per task, {@link TaskSlots#replicasPerTask(int, int)}), cut into S = N slices
 * through the shuffle, each slice summed over the k blocks by one reduce task, the S summed
 * slices collected by the driver (one message's worth). So, with B the network's bytes per second:
 * <ul>
 *   <li>compute = g x C (a task trains its g replicas one after another);</li>
 *   <li>broadcast = W x broadcast cost (the driver serialises and stores the weights);</li>
 *   <li>weight fetch = W x fetch cost + W / B;</li>
 *   <li>gradient = G x gradient cost (digest, shuffle write and fetch, slice sums, result
 *       serialisation and the driver's fetch) + (g - 1) x G x sum cost (summing a task's replicas)
 *       + G (k - 1) / k / B (the reduce-scatter: each node sends all but its own share) + G / B
 *       (the summed slices into the driver);</li>
 *   <li>driver update = P x update cost;</li>
 *   <li>scheduling = 2 stages x stage cost + (k + S) tasks x task cost.</li>
 * </ul>
 * The parts are added: the engine overlaps none of them. The per-byte costs are CPU time on the
 * host that does the work (on a loopback cluster they include the copy through the kernel that a
 * network would replace with wire time); only scheduling grows with N.
 *
 * <p>Under {@code cluster.exchange = direct} the same bytes move over the tasks' own connections
 * in one barrier stage of k tasks: the driver copies W into its send buffer (publish = W x
 * publish cost); each task receives W, its own slices from the driver and the rest from their
 * owners (weight gather = W x gather cost + W / B); the gradient part is the reduce-scatter among
 * the k tasks and the summed slices into the driver, with the same wire terms as above; scheduling
 * is one stage x stage cost + k tasks x task cost. The per-byte costs of the two exchanges are
 * measured apart ({@link Costs#defaults}).
 *
 * <p>Under {@code cluster.exchange-precision = bfloat16} the wire terms carry half the bytes
 * (W / 2, G / 2); the CPU terms stay those of the float32 bytes, since what the narrower floats
 * save in copies and encryption their conversion spends (measured alike on the development
 * machine's loopback cluster, docs/performance.md).
 */
public final class StepModel {
    /** ImageNet's training set (ILSVRC-2012). */
    public static final long IMAGENET_TRAIN_IMAGES = 1_281_167L;

    /**
     * Per-byte costs in nanoseconds per byte, the update in nanoseconds per parameter, a stage's
     * and a task's scheduling in milliseconds.
     */
    public record Costs(double broadcastNsPerByte, double fetchNsPerByte, double gradientNsPerByte,
                        double sumNsPerByte, double updateNsPerParameter, double stageMs, double taskMs) {
        /**
         * Calibrated at N=2 by {@code plan --check} on the 2-core development machine's loopback
         * cluster, authenticated and encrypted, quiet, with torrent pieces sized to the replicas
         * (docs/performance.md, 2026-12-02: the run and its printout). The task cost is not
         * calibrated: a no-op job took as long with 4 tasks as with 2, so it is set to Spark's usual
         * few milliseconds of launching a task; calibration puts the rest of the no-op job into
         * the stage cost.
         */
        public static final Costs DEFAULTS = new Costs(2.77, 18.88, 10.07, 0.07, 4.52, 551.0, 2.0);
        /**
         * The same under {@code cluster.exchange = direct} (the broadcast cost is the driver's
         * publish, the fetch cost the tasks' weight gather), calibrated at N=2 by {@code plan
         * --check --exchange direct} on the same machine (docs/performance.md, 2026-12-06).
         */
        public static final Costs DIRECT_DEFAULTS = new Costs(0.17, 2.33, 0.00, 0.06, 1.52, 366.0, 2.0);
        /** The task cost calibration assumes (see {@link #DEFAULTS}). */
        public static final double TASK_MS = 2.0;

        /** The defaults measured for {@code exchange}. */
        public static Costs defaults(ClusterConfig.Exchange exchange) {
            return exchange == ClusterConfig.Exchange.DIRECT ? DIRECT_DEFAULTS : DEFAULTS;
        }

        @Override
        public String toString() {
            return describe(ClusterConfig.Exchange.SPARK);
        }

        /** The costs named as the parts of {@code exchange}'s step are. */
        public String describe(ClusterConfig.Exchange exchange) {
            return String.format(java.util.Locale.ROOT, "%s %.2f ns/B, %s %.2f ns/B, gradient %.2f ns/B,"
                            + " sum %.2f ns/B, update %.2f ns/parameter, %.0f ms/stage, %.1f ms/task",
                    weightsOut(exchange), broadcastNsPerByte, weightsIn(exchange), fetchNsPerByte,
                    gradientNsPerByte, sumNsPerByte, updateNsPerParameter, stageMs, taskMs);
        }
    }

    /** A projected step: its parts in milliseconds (compute first), in the order printed. */
    public record Projection(int replicas, int slots, int replicasPerTask, int blocks, int slices,
                             double computePerReplicaMs, int imagesPerReplica, Map<String, Double> partsMs) {
        public double stepMs() {
            return partsMs.values().stream().mapToDouble(Double::doubleValue).sum();
        }

        public double overheadMs() {
            return stepMs() - partsMs.get(COMPUTE);
        }

        public double imagesPerSecond() {
            return replicas * (double) imagesPerReplica / (stepMs() / 1e3);
        }

        /** Images/s against N replicas each alone at compute speed: C / step. */
        public double scalingEfficiency() {
            return imagesPerSecond() / (replicas * imagesPerReplica / (computePerReplicaMs / 1e3));
        }

        public double epochSeconds() {
            return IMAGENET_TRAIN_IMAGES / imagesPerSecond();
        }

        /** The largest part other than compute: what limits the scaling. */
        public String limitingPart() {
            return partsMs.entrySet().stream().filter(e -> !e.getKey().equals(COMPUTE))
                    .max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(COMPUTE);
        }
    }

    public static final String COMPUTE = "compute";
    public static final String BROADCAST = "broadcast";
    public static final String WEIGHT_FETCH = "weight fetch";
    public static final String GRADIENT = "gradient";
    public static final String UPDATE = "driver update";
    public static final String SCHEDULING = "scheduling";
    /** The direct exchange's parts in place of the broadcast and the weight fetch. */
    public static final String PUBLISH = "publish";
    public static final String WEIGHT_GATHER = "weight gather";

    private final long parameters;
    private final Costs costs;
    private final ClusterConfig.Exchange exchange;
    private final int stepsPerJob;
    private final ClusterConfig.Precision precision;

    /** The model of Spark's exchange ({@code cluster.exchange = spark}, the default). */
    public StepModel(long parameters, Costs costs) {
        this(parameters, costs, ClusterConfig.Exchange.SPARK);
    }

    public StepModel(long parameters, Costs costs, ClusterConfig.Exchange exchange) {
        this(parameters, costs, exchange, 1);
    }

    /**
     * @param stepsPerJob {@code cluster.steps-per-job}: under the direct exchange one job's
     *                    scheduling is shared by this many steps
     */
    public StepModel(long parameters, Costs costs, ClusterConfig.Exchange exchange, int stepsPerJob) {
        this(parameters, costs, exchange, stepsPerJob, ClusterConfig.Precision.FLOAT32);
    }

    /** @param precision {@code cluster.exchange-precision}: the direct exchange's floats on the wire */
    public StepModel(long parameters, Costs costs, ClusterConfig.Exchange exchange, int stepsPerJob,
                     ClusterConfig.Precision precision) {
        if (parameters <= 0) {
            throw new IllegalArgumentException("parameters must be positive, got " + parameters);
        }
        if (stepsPerJob < 1 || stepsPerJob > 1 && exchange != ClusterConfig.Exchange.DIRECT) {
            throw new IllegalArgumentException("steps per job must be at least 1, and above 1 only through the direct"
                    + " exchange, got " + stepsPerJob);
        }
        if (precision != ClusterConfig.Precision.FLOAT32 && exchange != ClusterConfig.Exchange.DIRECT) {
            throw new IllegalArgumentException("only the direct exchange narrows its floats, got " + precision);
        }
        this.parameters = parameters;
        this.costs = costs;
        this.exchange = exchange;
        this.stepsPerJob = stepsPerJob;
        this.precision = precision;
    }

    /** Whether the floats travel narrower than float32. */
    public boolean narrowed() {
        return precision != ClusterConfig.Precision.FLOAT32;
    }

    /** The weights' bytes on the wire. */
    public long weightBytes() {
        return (long) precision.bytesPerFloat() * parameters;
    }

    /** One gradient message's bytes on the wire. */
    public long messageBytes() {
        return (long) precision.bytesPerFloat() * GradientMessage.length(parameters);
    }

    /**
     * The step of {@code replicas} replicas on {@code slots} task slots, each replica computing for
     * {@code computeMs}, on a network of {@code networkGbps} gigabits per second per host
     * ({@code Double.POSITIVE_INFINITY}: no wire time, as on loopback where the costs hold the copy).
     */
    public Projection project(int replicas, int slots, double computeMs, double networkGbps, int imagesPerReplica) {
        if (replicas < 1 || slots < 1) {
            throw new IllegalArgumentException("replicas and slots must be at least 1, got " + replicas + " and " + slots);
        }
        if (!(computeMs >= 0) || !(networkGbps > 0)) {
            throw new IllegalArgumentException("step compute must be >= 0 ms and the network > 0 Gbit/s, got "
                    + computeMs + " and " + networkGbps);
        }
        int g = TaskSlots.replicasPerTask(replicas, slots);
        int blocks = (replicas + g - 1) / g;
        int slices = exchange == ClusterConfig.Exchange.DIRECT
                ? DirectExchange.pieces(GradientMessage.length(parameters), blocks).slices() : replicas;
        // CPU costs per float32 byte, wire time per byte sent
        double w = 4.0 * parameters;
        double m = 4.0 * GradientMessage.length(parameters);
        double wireW = weightBytes();
        double wireM = messageBytes();
        double bytesPerMs = networkGbps * 1e9 / 8 / 1e3;
        Map<String, Double> parts = new LinkedHashMap<>();
        parts.put(COMPUTE, g * computeMs);
        parts.put(weightsOut(exchange), w * costs.broadcastNsPerByte() / 1e6);
        parts.put(weightsIn(exchange), w * costs.fetchNsPerByte() / 1e6 + wireW / bytesPerMs);
        parts.put(GRADIENT, m * costs.gradientNsPerByte() / 1e6 + (g - 1) * m * costs.sumNsPerByte() / 1e6
                + wireM * (blocks - 1) / blocks / bytesPerMs + wireM / bytesPerMs);
        parts.put(UPDATE, parameters * costs.updateNsPerParameter() / 1e6);
        parts.put(SCHEDULING, schedulingMs(exchange, costs.stageMs(), costs.taskMs(), blocks, slices) / stepsPerJob);
        return new Projection(replicas, slots, g, blocks, slices, computeMs, imagesPerReplica, parts);
    }

    /** The part that puts the weights on the driver's side of the wire: Spark's broadcast, or the direct exchange's publish. */
    public static String weightsOut(ClusterConfig.Exchange exchange) {
        return exchange == ClusterConfig.Exchange.DIRECT ? PUBLISH : BROADCAST;
    }

    /** The part that brings the weights to the replicas: their fetch of the broadcast, or the tasks' gather. */
    public static String weightsIn(ClusterConfig.Exchange exchange) {
        return exchange == ClusterConfig.Exchange.DIRECT ? WEIGHT_GATHER : WEIGHT_FETCH;
    }

    /**
     * A step's Spark stages and tasks: a map stage of the blocks and a reduce stage of the slices,
     * or the direct exchange's one barrier stage of the blocks.
     */
    private static double schedulingMs(ClusterConfig.Exchange exchange, double stageMs, double taskMs, int blocks,
                                       int slices) {
        return exchange == ClusterConfig.Exchange.DIRECT ? stageMs + blocks * taskMs
                : 2 * stageMs + (blocks + slices) * taskMs;
    }

    /**
     * Costs from one measured step configuration on the cluster at hand: the medians of a
     * {@code bench sync} run at {@code replicas} replicas with {@code replicasPerTask} through
     * {@code exchange}, its no-op job of {@code replicas} tasks (one stage: the stage cost, less
     * {@link Costs#TASK_MS} per task), and a sum cost measured separately.
     *
     * @param broadcastMs the driver's broadcast, or its publish under the direct exchange
     * @param computeMs   the busiest executor's compute (g replicas)
     * @param jobMs       the Spark job (weight fetch, compute, gradient path, sums to the driver)
     */
    public static Costs calibrate(ClusterConfig.Exchange exchange, long parameters, int replicas, int replicasPerTask,
                                  double broadcastMs, double weightFetchMs, double computeMs, double jobMs, double updateMs,
                                  double noopJobMs, double sumNsPerByte) {
        double w = 4.0 * parameters;
        double m = 4.0 * GradientMessage.length(parameters);
        int blocks = (replicas + replicasPerTask - 1) / replicasPerTask;
        double taskMs = Costs.TASK_MS;
        double stageMs = Math.max(0, noopJobMs - replicas * taskMs);
        double scheduling = schedulingMs(exchange, stageMs, taskMs, blocks, replicas);
        double gradientMs = jobMs - weightFetchMs - computeMs - (replicasPerTask - 1) * m * sumNsPerByte / 1e6 - scheduling;
        return new Costs(broadcastMs * 1e6 / w, weightFetchMs * 1e6 / w, Math.max(0, gradientMs) * 1e6 / m, sumNsPerByte,
                updateMs * 1e6 / parameters, stageMs, taskMs);
    }
}

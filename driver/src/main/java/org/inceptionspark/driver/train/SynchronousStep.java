package org.inceptionspark.driver.train;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.CollectionAccumulator;
import org.inceptionspark.config.ClusterConfig;
import org.inceptionspark.worker.DirectExchange;
import org.inceptionspark.worker.DirectStepTask;
import org.inceptionspark.worker.GradientSlice;
import org.inceptionspark.worker.ReplicaBlocks;
import org.inceptionspark.worker.ReplicaJob;
import org.inceptionspark.worker.ReplicaStepTask;
import org.inceptionspark.worker.StepExchange;
import scala.Tuple2;

/**
 * One synchronous step as one Spark job of two stages, its bytes moved by {@link StepExchange}:
 * <ol>
 *   <li>one task per block of replicas (N tasks unless replicas outnumber task slots) loads the
 *       step's broadcast weights, trains its replicas on their shards, sums their messages and
 *       writes the sum cut into S slices to the shuffle;</li>
 *   <li>S reduce tasks each sum one slice over all blocks (a reduce-scatter), and the driver
 *       collects the S summed slices: one message's worth of bytes.</li>
 * </ol>
 * The driver thus sends about one copy of the weights and receives one summed message per step,
 * whatever N is. This class owns the job around it: block sizes, the timeout and its retries,
 * reruns of a step whose slices disagree.
 */
public final class SynchronousStep {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SynchronousStep.class);
    private final JavaSparkContext sc;
    private final ReplicaJob job;
    private final Broadcast<String> graphJson;
    private final ReplicaStepTask.Meters meters;
    private final ReplicaStepTask.Timers timers;
    /** {@code cluster.replicas-per-task}: 0 = decided at every step from the task slots there are then. */
    private final int configuredPerTask;
    /** The first stage's partitions (one block of replicas each), per block size used so far. */
    private final Map<Integer, JavaRDD<Integer>> blockIds = new HashMap<>();
    /** The summed message, reused from step to step: 96 MB for Inception-v3, every entry overwritten. */
    private float[] summed;
    private final StepWatch watch = new StepWatch();
    private java.time.Duration timeout = java.time.Duration.ZERO;
    private int timeoutRetries;
    /** The driver's endpoint under {@code cluster.exchange = direct}; null = Spark's exchange. */
    private DirectExchange.Endpoint direct;
    /** {@code cluster.steps-per-job}: steps one direct job runs before it ends. */
    private int stepsPerJob = 1;
    /** {@code cluster.exchange-precision}: how the direct exchange's floats travel. */
    private ClusterConfig.Precision precision = ClusterConfig.Precision.FLOAT32;
    /** The direct job running several steps, null when none. */
    private Session session;
    /** Ends a multi-step job when any other job starts: that job needs the task slots it holds. */
    private final org.apache.spark.scheduler.SparkListener otherJobs = new org.apache.spark.scheduler.SparkListener() {
        @Override
        public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart start) {
            DirectExchange.Endpoint d = direct;
            if (d != null && !SESSION_GROUP.equals(start.properties().getProperty("spark.jobGroup.id"))) {
                d.stop();
            }
        }
    };
    static final String SESSION_GROUP = "inception-direct-steps";

    /** A running multi-step job: its tasks run {@code next} when the driver serves it, up to {@code lastStep}. */
    private static final class Session {
        final org.apache.spark.api.java.JavaFutureAction<List<DirectExchange.Summed>> job;
        final ReplicaBlocks blocks;
        /** The message's pieces among the job's tasks, as they cut it. */
        final org.inceptionspark.worker.SliceRanges ranges;
        final long lastStep;
        final DirectExchange.Meeting since;
        long next;

        Session(org.apache.spark.api.java.JavaFutureAction<List<DirectExchange.Summed>> job, ReplicaBlocks blocks,
                org.inceptionspark.worker.SliceRanges ranges, long first, long lastStep, DirectExchange.Meeting since) {
            this.job = job;
            this.blocks = blocks;
            this.ranges = ranges;
            this.next = first;
            this.lastStep = lastStep;
            this.since = since;
        }
    }

    /**
     * @param configuredPerTask replicas per task, a power of two, or 0: the largest that still gives every
     *                          task slot Spark has at the step's start a task ({@link TaskSlots}). The
     *                          block size changes no bit, so executors that join, leave or come late
     *                          are simply used from the next step on.
     */
    public SynchronousStep(JavaSparkContext sc, ReplicaJob job, int configuredPerTask, String graphJson,
                           ReplicaStepTask.Meters meters) {
        this.sc = sc;
        this.job = job;
        this.configuredPerTask = configuredPerTask;
        this.graphJson = sc.broadcast(graphJson);
        this.meters = meters;
        this.timers = new ReplicaStepTask.Timers(sc.sc().collectionAccumulator("replica compute ns"),
                sc.sc().collectionAccumulator("replica weight fetch ns"), sc.sc().collectionAccumulator("replica devices"),
                sc.sc().collectionAccumulator("task gradient exchange ns"));
        sc.sc().addSparkListener(watch);
        sc.sc().addSparkListener(otherJobs);
    }

    /**
     * {@code cluster.steps-per-job}: under the direct exchange, one barrier job runs up to this
     * many steps, its tasks waiting between steps for the driver's next weights, instead of one
     * job per step (whose scheduling, task launch and meeting every step pays). 1 = a job per step.
     */
    public void stepsPerJob(int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("inception.cluster.steps-per-job = " + steps + ": at least 1");
        }
        this.stepsPerJob = steps;
    }

    /**
     * {@code cluster.exchange-precision}: under the direct exchange, the width of the floats on
     * the wire ({@link ClusterConfig.Precision}); the driver's state stays float32.
     */
    public void exchangePrecision(ClusterConfig.Precision precision) {
        this.precision = java.util.Objects.requireNonNull(precision, "precision");
    }

    /**
     * {@code cluster.step-timeout} and {@code cluster.step-timeout-retries}: a step's job still
     * running after {@code timeout} is cancelled and run again, at most {@code retries} times; then
     * the step fails with a {@link StepTimeoutException} naming what was still running where.
     * Zero = wait for ever.
     */
    public void timeout(java.time.Duration timeout, int retries) {
        this.timeout = timeout;
        this.timeoutRetries = retries;
    }

    /**
     * Result of a step: the replicas' messages summed in {@code PairwiseSum} order (an array this
     * step object reuses: valid until the next {@link #run}), and where the time went.
     */
    public record Result(float[] summed, double slowestReplicaSeconds, double slowestWeightFetchSeconds,
                         double slowestGradientExchangeSeconds, double broadcastSeconds, double jobSeconds,
                         double busiestTaskComputeSeconds) {
        /** This step's timings, completed with what the driver measured around it. */
        StepTimings timings(double wallSeconds, double driverUpdateSeconds) {
            return new StepTimings(wallSeconds, slowestReplicaSeconds, slowestWeightFetchSeconds,
                    slowestGradientExchangeSeconds, broadcastSeconds, jobSeconds, driverUpdateSeconds,
                    busiestTaskComputeSeconds);
        }
    }

    /**
     * {@code cluster.exchange}: with {@code DIRECT}, steps run as barrier stages exchanging over
     * {@link DirectExchange}; the same bits as Spark's exchange.
     */
    public void exchange(ClusterConfig.Exchange exchange) {
        if (exchange == ClusterConfig.Exchange.DIRECT && direct == null) {
            if (sc.getConf().getBoolean("spark.dynamicAllocation.enabled", false)) {
                throw new IllegalArgumentException("inception.cluster.exchange = direct runs each step as a barrier stage,"
                        + " which Spark does not run under dynamic allocation: set spark.dynamicAllocation.enabled=false"
                        + " or inception.cluster.exchange = spark");
            }
            direct = DirectExchange.driverEndpoint(sc.getConf());
        } else if (exchange == ClusterConfig.Exchange.SPARK && direct != null) {
            endSession();
            direct.close();
            direct = null;
        }
    }

    /**
     * Replicas per task if a step started now; under the direct exchange at least as many as make
     * the step's tasks fit the task slots there are, since a barrier stage runs them all at once.
     */
    public int replicasPerTask() {
        int perTask = configuredPerTask > 0 ? configuredPerTask : TaskSlots.replicasPerTask(sc, job.replicas());
        if (direct == null) {
            return perTask;
        }
        return Math.max(perTask, TaskSlots.replicasPerBarrierTask(job.replicas(), TaskSlots.of(sc)));
    }

    public Result run(long step, float[] weights, String description) {
        if (direct != null) {
            return runDirect(step, weights, description);
        }
        long t0 = System.nanoTime();
        StepExchange.Weights w = StepExchange.publish(sc, step, weights);
        long t1 = System.nanoTime();
        resetTimers();
        try {
            sc.setJobDescription(description);
            ReplicaBlocks stepBlocks = new ReplicaBlocks(job.replicas(), replicasPerTask());
            ReplicaStepTask task = new ReplicaStepTask(job, stepBlocks, graphJson, w, step, meters, timers);
            int blocks = stepBlocks.count();
            List<Tuple2<Integer, GradientSlice>> parts;
            for (int attempt = 1; ; attempt++) {
                parts = collectWithinTimeout(StepExchange.reduceScatter(blockIds(blocks).mapPartitionsToPair(task),
                        job.slices(), blocks), step, stepBlocks);
                Optional<String> disagreement = StepExchange.disagreement(parts, stepBlocks);
                if (disagreement.isEmpty()) {
                    break;
                }
                StepExchange.discard(parts);
                if (attempt == MAX_ATTEMPTS) {
                    throw new IllegalStateException("step " + (step + 1) + ": " + disagreement.get() + ", in each of "
                            + MAX_ATTEMPTS + " attempts: a replica's computation is not deterministic on this cluster");
                }
                LOG.warn("step {}: {}; running the step again", step + 1, disagreement.get());
            }
            long t2 = System.nanoTime();
            if (summed == null) {
                summed = new float[job.slices().length()];
            }
            StepExchange.gather(parts, job.slices(), summed, step);
            return new Result(summed, slowest(timers.compute()), slowest(timers.weights()), 0, (t1 - t0) / 1e9,
                    (t2 - t1) / 1e9, 0);
        } finally {
            sc.setJobDescription(null);
            w.destroy();
        }
    }


    /**
     * The step as one barrier stage of {@link DirectStepTask}s: they fetch the weights from this
     * driver's endpoint and send it the summed slices; a stage attempt that fails is rerun whole
     * by Spark, and only the sums of the attempt that succeeded are read.
     */
    private Result runDirect(long step, float[] weights, String description) {
        if (stepsPerJob > 1) {
            return runInSession(step, weights, description);
        }
        long t0 = System.nanoTime();
        direct.publish(step, weights, precision);
        long t1 = System.nanoTime();
        resetTimers();
        try {
            sc.setJobDescription(description);
            List<DirectExchange.Summed> reported;
            ReplicaBlocks stepBlocks;
            for (int run = 1; ; run++) {
                // the blocks are decided again for every run: a run after a lost executor fits the slots left
                stepBlocks = new ReplicaBlocks(job.replicas(), replicasPerTask());
                DirectStepTask task = new DirectStepTask(new ReplicaStepTask(job, stepBlocks, graphJson, null, step, meters,
                        timers), direct.address(), weights.length, 1, precision);
                scala.reflect.ClassTag<DirectExchange.Summed> tag = scala.reflect.ClassTag$.MODULE$.apply(DirectExchange.Summed.class);
                JavaRDD<DirectExchange.Summed> sums = JavaRDD.fromRDD(blockIds(stepBlocks.count()).rdd().barrier()
                        .mapPartitions(task, false, tag), tag);
                try {
                    reported = collectWithinTimeout(sums, step, stepBlocks);
                    break;
                } catch (Exception e) {
                    // Spark reruns a failed barrier stage only when it is a map stage; this one returns results
                    if (!(e instanceof org.apache.spark.SparkException) || run == MAX_DIRECT_RUNS) {
                        throw e;
                    }
                    LOG.warn("step {}: its barrier stage failed ({}); running the step again ({} of {} runs)", step + 1,
                            e.getMessage(), run + 1, MAX_DIRECT_RUNS);
                    resetTimers();
                }
            }
            long t2 = System.nanoTime();
            if (summed == null) {
                summed = new float[job.slices().length()];
            }
            DirectExchange.gather(direct, reported, DirectExchange.pieces(summed.length, stepBlocks.count()), summed, step);
            return new Result(summed, slowest(timers.compute()), slowest(timers.weights()), slowest(timers.gradients()),
                    (t1 - t0) / 1e9, (t2 - t1) / 1e9, 0);
        } finally {
            sc.setJobDescription(null);
        }
    }

    /**
     * The step in the running multi-step job, or in a new one when none runs, it ended (its last
     * step, or stopped for another job) or failed. A failed or timed-out job is rerun from this
     * step as {@link #runDirect} and {@link #collectWithinTimeout} rerun a one-step job.
     */
    private Result runInSession(long step, float[] weights, String description) {
        long t0 = System.nanoTime();
        direct.publish(step, weights, precision);
        long t1 = System.nanoTime();
        resetTimers();
        if (summed == null) {
            summed = new float[job.slices().length()];
        }
        int failures = 0;
        int timeouts = 0;
        while (true) {
            boolean fresh = false;
            // a step skipped for non-finite gradients is run again under the same number: a new job
            if (session == null || session.job.isDone() || step != session.next || step > session.lastStep) {
                endSession();
                session = startSession(step, description, weights.length);
                fresh = true;
            }
            Session s = session;
            long started = System.nanoTime();
            try {
                List<org.inceptionspark.worker.StepStats> stats = DirectExchange.gatherStep(direct, s.since, step, s.ranges,
                        s.blocks.count(), summed, () -> checkSession(s, step, started));
                s.next = step + 1;
                stats.forEach(x -> x.addTo(meters, timers));
                long busiest = stats.stream().mapToLong(x -> x.compute().stream().mapToLong(Long::longValue).sum()).max()
                        .orElse(0);
                long t2 = System.nanoTime();
                return new Result(summed, slowest(timers.compute()), slowest(timers.weights()), slowest(timers.gradients()),
                        (t1 - t0) / 1e9, (t2 - t1) / 1e9, busiest / 1e9);
            } catch (SessionEnded e) {
                session = null;
                if (fresh) {
                    throw new IllegalStateException("step " + (step + 1) + ": its job ended before the step's sums arrived");
                }
            } catch (SessionTimedOut e) {
                endSession();
                retryOrFail(step, timeouts++, e.getMessage());
                resetTimers();
            } catch (Exception e) {
                // a SparkException: the job failed (a lost executor, a task's error)
                session = null;
                if (!(e instanceof org.apache.spark.SparkException) || ++failures == MAX_DIRECT_RUNS) {
                    throw e;
                }
                LOG.warn("step {}: its job failed ({}); running the step again in a new job ({} of {} runs)", step + 1,
                        e.getMessage(), failures + 1, MAX_DIRECT_RUNS);
                resetTimers();
            }
        }
    }

    private Session startSession(long step, String description, int weightCount) {
        ReplicaBlocks blocks = new ReplicaBlocks(job.replicas(), replicasPerTask());
        DirectExchange.Meeting since = direct.latestMeeting();
        DirectStepTask task = new DirectStepTask(new ReplicaStepTask(job, blocks, graphJson, null, step, meters, timers),
                direct.address(), weightCount, stepsPerJob, precision);
        scala.reflect.ClassTag<DirectExchange.Summed> tag = scala.reflect.ClassTag$.MODULE$.apply(DirectExchange.Summed.class);
        sc.setJobGroup(SESSION_GROUP, description + " and up to " + (stepsPerJob - 1) + " more", true);
        try {
            return new Session(JavaRDD.fromRDD(blockIds(blocks.count()).rdd().barrier().mapPartitions(task, false, tag), tag)
                    .collectAsync(), blocks, DirectExchange.pieces(job.slices().length(), blocks.count()), step,
                    step + stepsPerJob - 1, since);
        } finally {
            sc.clearJobGroup();
        }
    }

    /** Throws when the step's job cannot deliver it: failed (its SparkException), ended, or past the timeout. */
    private void checkSession(Session s, long step, long started) {
        if (s.job.isDone()) {
            try {
                s.job.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw rethrow(e.getCause());
            } catch (java.util.concurrent.CancellationException e) {
                throw new SessionEnded();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for step " + (step + 1), e);
            }
            throw new SessionEnded();
        }
        if (!timeout.isZero() && System.nanoTime() - started > timeout.toNanos()) {
            throw new SessionTimedOut(stillRunning(s.blocks));
        }
    }

    /** Ends the multi-step job, if one runs: its tasks finish their step and stop; cancelled if they do not soon. */
    private void endSession() {
        Session s = session;
        session = null;
        if (s == null || s.job.isDone()) {
            return;
        }
        direct.stop();
        try {
            s.job.get(SESSION_END_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException
                 | java.util.concurrent.CancellationException e) {
            s.job.cancel(true);
        } catch (InterruptedException e) {
            s.job.cancel(true);
            Thread.currentThread().interrupt();
        }
    }

    /** How long a multi-step job's tasks get to finish their step once told to stop. */
    static final long SESSION_END_MS = 10_000;

    /** The multi-step job ended before the step: start another. */
    private static final class SessionEnded extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SessionEnded() {
            super(null, null, false, false);
        }
    }

    /** The step did not arrive within the timeout: what was still running. */
    private static final class SessionTimedOut extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SessionTimedOut(String stillRunning) {
            super(stillRunning, null, false, false);
        }
    }

    private void resetTimers() {
        timers.compute().reset();
        timers.weights().reset();
        timers.devices().reset();
        timers.gradients().reset();
    }

    private JavaRDD<Integer> blockIds(int blocks) {
        return blockIds.computeIfAbsent(blocks, b -> sc.parallelize(IntStream.range(0, b).boxed().toList(), b));
    }

    /**
     * Runs the step's job, cancelling and resubmitting it when it outlives the timeout. A retry
     * changes no bit: the tasks are deterministic, and Spark drops a cancelled job's results.
     */
    private <T> List<T> collectWithinTimeout(org.apache.spark.api.java.JavaRDDLike<T, ?> sums, long step,
                                             ReplicaBlocks blocks) {
        for (int run = 0; ; run++) {
            org.apache.spark.api.java.JavaFutureAction<List<T>> job = sums.collectAsync();
            try {
                return timeout.isZero() ? job.get() : job.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                String still = stillRunning(blocks);
                job.cancel(true);
                retryOrFail(step, run, still);
            } catch (InterruptedException e) {
                job.cancel(true);
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for step " + (step + 1), e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw rethrow(e.getCause());
            }
        }
    }

    /** What was running when a step timed out, for its message: the tasks that hold it up. */
    private String stillRunning(ReplicaBlocks blocks) {
        List<String> stragglers = watch.runningTasks(blocks, direct != null);
        return stragglers.isEmpty() ? "no task was running (the job waited for executors)"
                : "still running: " + String.join("; ", stragglers);
    }

    /**
     * After run {@code run} (0-based) of {@code step} timed out with {@code still} running: fails
     * the step when it was the last run {@code cluster.step-timeout-retries} allows, else warns
     * that it runs again.
     */
    private void retryOrFail(long step, int run, String still) {
        String limit = org.inceptionspark.config.ConfigValueFormat.duration(timeout);
        if (run == timeoutRetries) {
            throw new StepTimeoutException(String.format(java.util.Locale.ROOT,
                    "step %d did not finish within inception.cluster.step-timeout = %s in %d run%s; %s."
                            + " Check those executors (their logs, GC, disks), or raise the timeout if steps are"
                            + " this slow normally", step + 1, limit, run + 1, run == 0 ? "" : "s", still));
        }
        LOG.warn("step {} did not finish within {}: {}; cancelled it and running it again ({} of {} retries)",
                step + 1, limit, still, run + 1, timeoutRetries);
    }

    /** Spark's job failures arrive as a checked SparkException; passed on unchanged, as {@code collect()} does. */
    @SuppressWarnings("unchecked")
    private static <T extends Throwable> RuntimeException rethrow(Throwable t) throws T {
        throw (T) t;
    }

    /** A step did not finish within {@code cluster.step-timeout} in any of its runs. */
    public static final class StepTimeoutException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        StepTimeoutException(String message) {
            super(message);
        }
    }

    /** Where each replica of the last step ran: "replica R executor E gpu A", one entry per replica. */
    public List<String> lastDevices() {
        return List.copyOf(timers.devices().value());
    }

    /**
     * Runs of a direct step whose barrier stage failed (a lost executor, a task's error) before
     * the step fails: Spark's own task attempts ({@code spark.task.maxFailures}) do not apply to
     * a barrier stage that returns results.
     */
    static final int MAX_DIRECT_RUNS = 4;

    /** Runs of a step whose slices disagreed before the step fails. */
    static final int MAX_ATTEMPTS = 3;

    private static double slowest(CollectionAccumulator<Long> nanos) {
        long max = 0;
        for (Long ns : new ArrayList<>(nanos.value())) {
            max = Math.max(max, ns);
        }
        return max / 1e9;
    }

    public void close() {
        exchange(ClusterConfig.Exchange.SPARK);
        sc.sc().removeSparkListener(watch);
        sc.sc().removeSparkListener(otherJobs);
        graphJson.destroy(false);
    }

}

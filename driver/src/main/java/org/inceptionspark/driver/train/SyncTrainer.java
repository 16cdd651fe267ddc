package org.inceptionspark.driver.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.inceptionspark.model.ModelZoo;
import org.inceptionspark.optim.ParameterLayout;
import org.inceptionspark.train.GradientMessage;
import org.inceptionspark.train.ParameterServerState;
import org.inceptionspark.train.Replica;
import org.inceptionspark.train.StepOutcome;
import org.inceptionspark.worker.ReplicaJob;
import org.inceptionspark.worker.ReplicaModelPool;
import org.inceptionspark.worker.SliceRanges;
import org.inceptionspark.worker.ReplicaStepTask;

/**
 * The driver's side of synchronous data-parallel training: holds the parameter state and runs one
 * {@link SynchronousStep} after another, each applied by {@link ParameterServerState}.
 */
public final class SyncTrainer implements AutoCloseable {
    private final TrainingSetup setup;
    private final ParameterServerState state;
    private final SynchronousStep step;
    private final ReplicaStepTask.Meters meters;
    private StepTimings lastTimings;
    private double maxSkippedFraction = 1.0;

    public SyncTrainer(JavaSparkContext sc, TrainingSetup setup) {
        this.setup = setup;
        ComputationGraph graph = ModelZoo.dl4jNetwork(setup.graph(), null);
        ParameterLayout layout = ParameterLayout.of(graph);
        this.state = new ParameterServerState(layout, graph.params().toFloatVector(), setup.rule(), setup.schedule(),
                setup.optimizerFor(layout.length()));
        this.meters = new ReplicaStepTask.Meters(sc.sc().longAccumulator("images"),
                sc.sc().doubleAccumulator("loss sum"), sc.sc().longAccumulator("skipped images"),
                sc.sc().collectionAccumulator("skipped image files"), sc.sc().collectionAccumulator("non-finite replicas"));
        int messageLength = GradientMessage.length(layout.length());
        // one slice per replica even when tasks sum several: more, smaller reduce tasks let the
        // driver fetch early slices while later ones are still being summed (bench sync --timeline)
        int slices = Math.min(messageLength, setup.reduceSlices() > 0 ? setup.reduceSlices() : setup.replicas());
        ReplicaJob job = new ReplicaJob(setup.runKey(), setup.data(), setup.replicas(),
                new Replica.Objective(setup.classes(), setup.labelSmoothing(), setup.rule().sumReplicas()), setup.seed(),
                new SliceRanges(messageLength, slices));
        this.step = new SynchronousStep(sc, job, setup.replicasPerTask(), setup.graph().toJson(), meters);
    }

    public ParameterServerState state() {
        return state;
    }

    public ReplicaStepTask.Meters meters() {
        return meters;
    }

    /** Replicas each task of a step starting now would train and sum before the shuffle. */
    public int replicasPerTask() {
        return step.replicasPerTask();
    }

    /** Where each replica of the last step ran ({@link SynchronousStep#lastDevices}). */
    public java.util.List<String> lastReplicaDevices() {
        return step.lastDevices();
    }

    public StepTimings lastTimings() {
        return lastTimings;
    }

    /**
     * Stops the run, before a step is applied, when the step could not decode more than this
     * fraction of its images ({@code data.max-skipped-fraction}; 1 = never).
     */
    public void stopWhenSkippedShareAbove(double fraction) {
        this.maxSkippedFraction = fraction;
    }

    /** {@code cluster.step-timeout} and its retries ({@link SynchronousStep#timeout}). */
    public void stepTimeout(java.time.Duration timeout, int retries) {
        step.timeout(timeout, retries);
    }

    /** Replicas whose gradient had non-finite values in the last step, with their executors. */
    public List<String> lastNonFiniteReplicas() {
        return new ArrayList<>(new TreeSet<>(meters.nonFiniteReplicas().value()));
    }

    /** {@code cluster.exchange} ({@link SynchronousStep#exchange}). */
    public void exchange(org.inceptionspark.config.ClusterConfig.Exchange exchange) {
        step.exchange(exchange);
    }

    /** {@code cluster.steps-per-job} ({@link SynchronousStep#stepsPerJob}). */
    public void stepsPerJob(int steps) {
        step.stepsPerJob(steps);
    }

    /** {@code cluster.exchange-precision} ({@link SynchronousStep#exchangePrecision}). */
    public void exchangePrecision(org.inceptionspark.config.ClusterConfig.Precision precision) {
        step.exchangePrecision(precision);
    }

    /** Runs one synchronous step and applies it. */
    public StepOutcome step(String description) {
        return step(description, o -> { });
    }

    /**
     * Runs one synchronous step and applies it; the update and {@code record} happen while holding
     * {@link #state()}'s monitor, so whoever snapshots the state under it (a checkpoint on SIGTERM)
     * sees a step and what was recorded of it together.
     */
    public StepOutcome step(String description, java.util.function.Consumer<StepOutcome> record) {
        long t0 = System.nanoTime();
        meters.skippedFiles().reset();
        meters.nonFiniteReplicas().reset();
        SynchronousStep.Result r = step.run(state.step(), state.params(), description);
        long t1 = System.nanoTime();
        checkSkippedShare(r.summed());
        StepOutcome outcome;
        synchronized (state) {
            outcome = state.apply(r.summed());
            record.accept(outcome);
        }
        long t2 = System.nanoTime();
        lastTimings = r.timings((t2 - t0) / 1e9, (t2 - t1) / 1e9);
        return outcome;
    }

    private void checkSkippedShare(float[] summed) {
        int p = Math.toIntExact(state.layout().length());
        long images = Math.round(summed[p + GradientMessage.IMAGES]);
        long skipped = Math.round(summed[p + GradientMessage.SKIPPED_IMAGES]);
        if (skipped > 0 && skipped > maxSkippedFraction * (images + skipped)) {
            List<String> files = new ArrayList<>(new TreeSet<>(meters.skippedFiles().value()));
            throw new DamagedDataException(String.format(Locale.ROOT,
                    "step %d could not read %d of its %d images (more than inception.data.max-skipped-fraction = %s),"
                            + " so it was not applied: %s", state.step() + 1, skipped, images + skipped,
                    maxSkippedFraction, files.size() > 20 ? files.subList(0, 20) + " and " + (files.size() - 20) + " more"
                            : files));
        }
    }

    /** A step lost too many images to damaged or missing files: the run stops, naming them. */
    public static final class DamagedDataException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        DamagedDataException(String message) {
            super(message);
        }
    }

    @Override
    public void close() {
        step.close();
        ReplicaModelPool.release(setup.runKey());
    }
}

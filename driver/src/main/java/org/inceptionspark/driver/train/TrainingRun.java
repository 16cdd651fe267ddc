package org.inceptionspark.driver.train;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.inceptionspark.driver.checkpoint.Checkpoint;
import org.inceptionspark.driver.checkpoint.CheckpointModels;
import org.inceptionspark.driver.checkpoint.CheckpointStore;
import org.inceptionspark.driver.metrics.TrainingGauges;
import org.inceptionspark.config.ResumeCheck;
import org.inceptionspark.optim.LayoutRemap;
import org.inceptionspark.train.ParameterServerState;
import org.inceptionspark.train.StepOutcome;

/**
 * A whole training run: resumes from the run directory's newest checkpoint if there is one,
 * steps until the end, prints progress, checkpoints every K steps and at the end, evaluates the
 * moving-average weights every E steps and at the end, and keeps metrics.csv and training.png.
 */
public final class TrainingRun {
    /** How the run ended. */
    public record Result(long steps, long skippedSteps, double lastLoss, Validator.Result lastEvaluation,
                         String lastCheckpoint) {
    }

    /** How a run that has no checkpoint yet sets its initial state (a warm start); not applied on resume. */
    public interface Start {
        void apply(ParameterServerState state, TrainingSetup setup, PrintStream out);
    }

    private final JavaSparkContext sc;
    private final TrainingSetup setup;
    private final RunOptions options;
    private final Validator validator;
    private final PrintStream out;
    private final Start start;
    private RunLock lock;

    public TrainingRun(JavaSparkContext sc, TrainingSetup setup, RunOptions options, Validator validator, PrintStream out) {
        this(sc, setup, options, validator, out, null);
    }

    /** @param start applied to the freshly initialised state when the run directory has no checkpoint; null for none */
    public TrainingRun(JavaSparkContext sc, TrainingSetup setup, RunOptions options, Validator validator, PrintStream out,
                       Start start) {
        this.sc = sc;
        this.setup = setup;
        this.options = options;
        this.validator = validator;
        this.out = out;
        this.start = start;
    }

    /** Renews {@code lock} every step and stops the run if another driver took it over. */
    public TrainingRun lockedBy(RunLock lock) {
        this.lock = lock;
        return this;
    }

    private Validator.Result evaluate(ParameterServerState state) throws Exception {
        sc.setJobDescription(String.format(Locale.ROOT, "evaluate step %d (moving-average weights)", state.step()));
        Validator.Result r = validator.evaluate(setup.graph(), state.evaluationParams().clone());
        sc.setJobDescription(null);
        out.printf(Locale.ROOT, "evaluation at step %d: top-1 error %.2f%%, top-5 error %.2f%% on %d images (%s)%n",
                state.step(), 100 * r.top1Error(), 100 * r.top5Error(), r.images(), validator.batchNormStatistics());
        return r;
    }

    /** The plateau schedule's decision from an evaluation, under the state's monitor (a shutdown checkpoint reads it). */
    private void decidePlateau(ParameterServerState state, Validator.Result r) {
        if (state.plateau() == null) {
            return;
        }
        synchronized (state) {
            org.inceptionspark.optim.Plateau.Decision d = state.plateau().observe(state.step(), 1 - r.top1Error());
            out.println(d.describe(state.schedule().at(state.step()), state.plateau().rule()));
        }
    }

    public Result run() throws Exception {
        Configuration hadoop = sc.hadoopConfiguration();
        CheckpointStore store = new CheckpointStore(options.runDir(), hadoop, options.checkpointKeep());
        MetricsLog metrics = new MetricsLog(options.runDir(), hadoop);
        LongAccumulator skippedSteps = sc.sc().longAccumulator("skipped steps");
        DoubleAccumulator gradientNorm = sc.sc().doubleAccumulator("gradient norm");
        double imagesPerEpoch = setup.data().imagesPerEpoch();
        long globalBatch = (long) setup.replicas() * setup.batchPerReplica();
        try (SyncTrainer trainer = new SyncTrainer(sc, setup)) {
            trainer.stopWhenSkippedShareAbove(options.maxSkippedFraction());
            trainer.stepTimeout(options.stepTimeout(), options.stepTimeoutRetries());
            trainer.exchange(options.exchange());
            trainer.stepsPerJob(options.stepsPerJob());
            trainer.exchangePrecision(options.precision());
            ParameterServerState state = trainer.state();
            if (state.plateau() != null && (validator == null || options.evalEverySteps() <= 0)) {
                throw new IllegalStateException("inception.optimizer.schedule = plateau decides the learning rate from the"
                        + " run's evaluations: set inception.data.validation and inception.eval.every-steps > 0");
            }
            for (org.apache.hadoop.fs.Path stale : store.removeStaleTemporaries()) {
                out.printf(Locale.ROOT, "removed %s, an unfinished checkpoint write of an earlier driver%n", stale);
            }
            CheckpointStore.Newest newest = store.readNewestValid();
            for (CheckpointStore.Damaged d : newest.skipped()) {
                out.printf(Locale.ROOT, "checkpoint %s is damaged and skipped: %s%n", d.path(), d.reason());
            }
            Optional<org.apache.hadoop.fs.Path> latest = newest.path();
            if (latest.isPresent()) {
                Checkpoint c = newest.checkpoint().orElseThrow();
                resume(state, c, latest.get());
                metrics.resumeAt(c.step() - 1);
                out.printf(Locale.ROOT, "resumed from %s at step %d%n", latest.get(), c.step());
            } else {
                if (start != null) {
                    start.apply(state, setup, out);
                }
                out.printf(Locale.ROOT, "new run in %s: %d replicas x %d images, %d steps, %,d parameters%n",
                        options.runDir(), setup.replicas(), setup.batchPerReplica(), options.totalSteps(),
                        state.layout().length());
            }
            double lastLoss = Double.NaN;
            Validator.Result lastEval = null;
            String lastCheckpoint = latest.map(Object::toString).orElse(null);
            long startStep = state.step();
            TrainingGauges.start(startStep, state.skippedSteps());
            long skippedImages = 0;
            int consecutiveSkipped = 0;
            java.util.Set<String> nonFiniteReplicas = new java.util.TreeSet<>();
            long startNanos = System.nanoTime();
            lastSavedStep = latest.isPresent() ? state.step() : -1;
            lastSaveNanos = startNanos;
            shutdownHook = registerShutdownCheckpoint(store, metrics, state);
            if (startStep >= options.totalSteps()) {
                // Re-running a finished run (the demo, a retried job) reports it instead of training on.
                out.printf(Locale.ROOT, "run already complete at step %d of %d (raise inception.schedule.max-steps to train"
                        + " on, or remove %s to start over)%n", startStep, options.totalSteps(), options.runDir());
                List<MetricsLog.Row> rows = metrics.rows();
                lastLoss = rows.isEmpty() ? Double.NaN : rows.get(rows.size() - 1).loss();
                if (validator != null) {
                    lastEval = evaluate(state);
                }
            }
            if (latest.isPresent() && state.plateau() != null && startStep < options.totalSteps()
                    && options.evalEverySteps() > 0 && startStep % options.evalEverySteps() == 0
                    && state.plateau().state().lastEvaluatedStep() < startStep) {
                // The checkpoint was written between a step and its evaluation (on SIGTERM or a failure):
                // the plateau decision of that evaluation is made now, as the uninterrupted run made it.
                decidePlateau(state, evaluate(state));
            }
            while (state.step() < options.totalSteps()) {
                if (lock != null) {
                    lock.renew();
                }
                long step = state.step();
                double epoch = step * globalBatch / imagesPerEpoch;
                StepOutcome o;
                try {
                    o = trainer.step(ProgressLine.jobDescription(step, options.totalSteps(), epoch,
                            state.learningRate(), lastLoss), outcome -> metrics.add(new MetricsLog.Row(step, epoch,
                            outcome.learningRate(), outcome.loss(), outcome.gradientNorm(), Double.NaN, Double.NaN,
                            Double.NaN, outcome.skippedImages())));
                } catch (Exception e) {
                    // (Spark's job failures arrive as a checked SparkException the Java API does not declare)
                    // the state between steps is consistent: keep what was trained before the error surfaces
                    checkpointBeforeFailing(store, metrics, state, "step " + (step + 1) + " failed");
                    throw e;
                }
                StepTimings t = trainer.lastTimings();
                double elapsed = (System.nanoTime() - startNanos) / 1e9;
                long done = state.step() - startStep;
                double imagesPerSecond = o.images() / Math.max(1e-9, t.wallSeconds());
                skippedImages += o.skippedImages();
                if (!o.applied()) {
                    skippedSteps.add(1);
                    List<String> culprits = trainer.lastNonFiniteReplicas();
                    out.printf(Locale.ROOT, "step %d skipped: %s%s (%d skipped so far)%n", step + 1, o.skipReason(),
                            culprits.isEmpty() ? "" : " from " + String.join(", ", culprits), state.skippedSteps());
                    consecutiveSkipped++;
                    nonFiniteReplicas.addAll(culprits);
                    if (options.maxConsecutiveSkippedSteps() > 0 && consecutiveSkipped >= options.maxConsecutiveSkippedSteps()) {
                        throw new IllegalStateException(String.format(Locale.ROOT, "stopping: %d consecutive steps (%d..%d)"
                                        + " were skipped (inception.schedule.max-consecutive-skipped-steps = %d), last because of"
                                        + " %s; non-finite values came from %s. No update was applied after step %d:"
                                        + " lower the learning rate or check the data, then resume",
                                consecutiveSkipped, step + 2 - consecutiveSkipped, step + 1, options.maxConsecutiveSkippedSteps(),
                                o.skipReason(), nonFiniteReplicas.isEmpty() ? "no replica (the step had no image)"
                                        : String.join(", ", nonFiniteReplicas), step + 1 - consecutiveSkipped));
                    }
                } else {
                    lastLoss = o.loss();
                    gradientNorm.add(o.gradientNorm());
                    consecutiveSkipped = 0;
                    nonFiniteReplicas.clear();
                }
                TrainingGauges.stepped(o, state.step(), state.skippedSteps(), state.step() * globalBatch / imagesPerEpoch, t);
                metrics.setImagesPerSecond(step, imagesPerSecond);
                boolean last = state.step() == options.totalSteps();
                if (last || state.step() % options.logEverySteps() == 0 || step == startStep) {
                    double secondsLeft = elapsed / done * (options.totalSteps() - state.step());
                    out.println(ProgressLine.progress(o, options.totalSteps(), epoch, imagesPerSecond, t, secondsLeft,
                            skippedImages));
                    saveMetrics(metrics, false);
                }
                boolean evaluate = validator != null
                        && (last || (options.evalEverySteps() > 0 && state.step() % options.evalEverySteps() == 0));
                if (evaluate) {
                    lastEval = evaluate(state);
                    if (options.evalEverySteps() > 0 && state.step() % options.evalEverySteps() == 0) {
                        // only the periodic evaluations decide: a final one off the period would not have
                        // happened in a longer run, which a resume with a higher max-steps must equal
                        decidePlateau(state, lastEval);
                    }
                    metrics.setEvaluation(step, lastEval.top1Error(), lastEval.top5Error());
                    TrainingGauges.evaluated(lastEval.top1Error(), lastEval.top5Error());
                    saveMetrics(metrics, true);
                }
                boolean minutesPassed = options.checkpointEveryMinutes() > 0
                        && System.nanoTime() - lastSaveNanos >= options.checkpointEveryMinutes() * 60e9;
                if (last || state.step() % options.checkpointEverySteps() == 0 || minutesPassed) {
                    lastCheckpoint = save(store, metrics, state).toString();
                    if (!evaluate) {
                        // save() has just written metrics.csv
                        drawPlot(metrics);
                    }
                    TrainingGauges.checkpointed();
                    out.printf(Locale.ROOT, "checkpoint %s%n", lastCheckpoint);
                }
            }
            return new Result(state.step(), state.skippedSteps(), lastLoss, lastEval, lastCheckpoint);
        } finally {
            shutdownHookArmed = false;
            if (shutdownHook != null) {
                unregister(shutdownHook);
            }
        }
    }

    /** Priority above Hadoop's FileSystem cache (10) and Spark's own hooks: HDFS is still open when it runs. */
    static final int SHUTDOWN_CHECKPOINT_PRIORITY = 100;

    private volatile long lastSavedStep = -1;
    private volatile long lastSaveNanos;
    private volatile boolean shutdownHookArmed;
    private Runnable shutdownHook;

    /** Saves the state as it is now with metrics.csv; one save at a time (the store is the monitor). */
    private org.apache.hadoop.fs.Path save(CheckpointStore store, MetricsLog metrics, ParameterServerState state)
            throws java.io.IOException {
        synchronized (store) {
            Checkpoint c;
            synchronized (state) {
                c = checkpointOf(state);
                metrics.write();
            }
            org.apache.hadoop.fs.Path p = store.save(c);
            lastSavedStep = c.step();
            lastSaveNanos = System.nanoTime();
            return p;
        }
    }

    private void checkpointBeforeFailing(CheckpointStore store, MetricsLog metrics, ParameterServerState state, String why) {
        if (state.step() <= lastSavedStep || state.step() == 0) {
            return;
        }
        try {
            if (lock != null) {
                lock.renew();   // never write into a run directory another driver has taken over
            }
            out.printf(Locale.ROOT, "%s: checkpoint %s of the steps done so far%n", why, save(store, metrics, state));
        } catch (Exception e) {
            out.printf(Locale.ROOT, "%s, and its checkpoint could not be written: %s%n", why, e);
        }
    }

    /**
     * A checkpoint when the JVM is asked to stop (SIGTERM, a cluster manager stopping the driver),
     * registered with Hadoop's shutdown-hook manager above its FileSystem cache, so the run directory's
     * filesystem is still open; the state it writes is the one between two steps.
     */
    private Runnable registerShutdownCheckpoint(CheckpointStore store, MetricsLog metrics, ParameterServerState state) {
        shutdownHookArmed = true;
        Runnable hook = () -> {
            if (shutdownHookArmed) {
                checkpointBeforeFailing(store, metrics, state, "the driver is stopping");
                if (lock != null) {
                    try {
                        lock.close();
                    } catch (java.io.IOException e) {
                        out.printf(Locale.ROOT, "the run directory's lock could not be released: %s%n", e);
                    }
                }
            }
        };
        org.apache.hadoop.util.ShutdownHookManager.get().addShutdownHook(hook, SHUTDOWN_CHECKPOINT_PRIORITY,
                10, java.util.concurrent.TimeUnit.MINUTES);
        return hook;
    }

    private static void unregister(Runnable hook) {
        try {
            org.apache.hadoop.util.ShutdownHookManager.get().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down
        }
    }

    /**
     * Rewrites metrics.csv (whole, by rename, so a crash leaves the previous complete file) and, with
     * {@code plot}, training.png. Neither may stop training: a failure is a warning, and the next
     * call writes everything again.
     */
    private void saveMetrics(MetricsLog metrics, boolean plot) {
        try {
            metrics.write();
        } catch (Exception e) {
            out.println("warning: could not write metrics.csv in " + options.runDir() + ": " + e);
        }
        if (plot) {
            drawPlot(metrics);
        }
    }

    /** Redraws training.png; a failure is a warning, never the end of the run. */
    private void drawPlot(MetricsLog metrics) {
        try {
            TrainingPlot.write(metrics.rows(), options.runDir(), sc.hadoopConfiguration());
        } catch (Exception | LinkageError e) {
            out.println("warning: could not draw training.png in " + options.runDir() + ": " + e);
        }
    }

    Checkpoint checkpointOf(ParameterServerState state) {
        LinkedHashMap<String, float[]> slots = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : state.optimizerSlots().entrySet()) {
            slots.put(e.getKey(), e.getValue().clone());
        }
        float[] average = state.hasAverage() ? state.evaluationParams().clone() : null;
        return new Checkpoint(state.step(), state.skippedSteps(), setup.seed(), setup.replicas(), setup.graph().toJson(),
                options.configText(), state.params().clone(), slots, average,
                state.plateau() == null ? null : state.plateau().state());
    }

    private void resume(ParameterServerState state, Checkpoint c, org.apache.hadoop.fs.Path from) {
        List<ResumeCheck.Change> changes;
        try {
            changes = ResumeCheck.changes(c.configText(), options.configText());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("checkpoint " + from + ": " + e.getMessage(), e);
        }
        List<ResumeCheck.Change> refused = changes.stream().filter(ch -> !options.allowedChanges().contains(ch.key())).toList();
        if (!refused.isEmpty()) {
            throw new IllegalStateException("resuming " + options.runDir() + " from " + from + " would change how it computes: "
                    + refused.stream().map(Object::toString).collect(java.util.stream.Collectors.joining(", "))
                    + ". Use another run directory (inception.run.name), or accept the change with --allow-change "
                    + refused.stream().map(ch -> ch.key().substring("inception.".length()))
                    .collect(java.util.stream.Collectors.joining(",")));
        }
        if (!changes.isEmpty()) {
            out.printf(Locale.ROOT, "resuming with changed keys (allowed): %s%n",
                    changes.stream().map(Object::toString).collect(java.util.stream.Collectors.joining(", ")));
        }
        if (c.params().length != state.layout().length()) {
            throw new IllegalStateException("checkpoint has " + c.params().length + " parameters but the configured network has "
                    + state.layout().length() + ": the run directory " + options.runDir() + " belongs to another model");
        }
        if (c.replicas() != setup.replicas()) {
            throw new IllegalStateException("checkpoint was written with " + c.replicas() + " replicas, this run has "
                    + setup.replicas() + ": set inception.cluster.replicas=" + c.replicas()
                    + " to resume exactly, or use a new run directory");
        }
        if (c.seed() != setup.seed()) {
            throw new IllegalStateException("checkpoint was written with seed " + c.seed() + ", this run has " + setup.seed());
        }
        LayoutRemap remap;
        try {
            remap = LayoutRemap.between(CheckpointModels.layout(c), state.layout());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("checkpoint of " + options.runDir() + " does not fit the configured network: "
                    + e.getMessage(), e);
        }
        if (!remap.identity()) {
            out.println("checkpoint's network orders its parameters differently (written by another version of the"
                    + " model zoo): parameters, optimizer state and moving average are matched by name");
        }
        LinkedHashMap<String, float[]> slots = new LinkedHashMap<>();
        c.slots().forEach((k, v) -> slots.put(k, remap.apply(v)));
        state.restore(remap.apply(c.params()), slots, c.average() == null ? null : remap.apply(c.average()),
                c.step(), c.skippedSteps());
        if (state.plateau() != null) {
            if (c.plateau() != null) {
                state.plateau().restore(c.plateau());
            } else {
                out.printf(Locale.ROOT, "checkpoint %s has no plateau schedule state (written with optimizer.schedule ="
                        + " exponential): the plateau schedule starts afresh at step %d%n", from, c.step());
            }
        }
    }
}

package org.inceptionspark.driver.commands;

import org.inceptionspark.driver.*;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.api.java.JavaSparkContext;
import org.inceptionspark.config.AugmentConfig;
import org.inceptionspark.config.InceptionConfig;
import org.inceptionspark.config.LoadedConfig;
import org.inceptionspark.config.ShortRunWarnings;
import org.inceptionspark.driver.cli.CliArgs;
import org.inceptionspark.driver.cli.ConfigArgs;
import org.inceptionspark.driver.eval.BatchNormRecompute;
import org.inceptionspark.driver.train.EvaluationValidator;
import org.inceptionspark.driver.train.ExecutorCount;
import org.inceptionspark.driver.train.RunLock;
import org.inceptionspark.driver.train.RunOptions;
import org.inceptionspark.driver.train.InitFrom;
import org.inceptionspark.driver.train.TrainingRun;
import org.inceptionspark.driver.train.TrainingSetup;
import org.inceptionspark.driver.train.TrainingSetups;
import org.inceptionspark.driver.train.Validator;
import org.inceptionspark.config.ModelConfig;
import org.inceptionspark.model.ModelZoo;
import org.inceptionspark.worker.data.PackedBatchSource;
import org.inceptionspark.worker.data.PackedDataset;
import org.inceptionspark.worker.SparkHadoopConf;

/**
 * {@code train --config FILE [-Dkey=value ...]}: synchronous data-parallel training, from
 * bin/inception-spark or spark-submit. Everything that can be checked without Spark (the
 * configuration, the model, the datasets and their class counts) is checked first.
 */
public final class TrainCommand implements Command {
    /** Exit status when another driver holds the run directory. */
    public static final int EXIT_LOCKED = 3;

    @Override
    public int run(String[] argv) throws Exception {
        CliArgs args = CliArgs.parse(allowChangeAsOverride(argv), Set.of(ConfigArgs.OPTION), Set.of());
        LoadedConfig loaded = ConfigArgs.load(args);
        InceptionConfig c = loaded.config();
        long trainImages = checkInputs(c);

        String runDir = runDir(c);
        RunLock lock;
        try {
            lock = RunLock.acquire(runDir, SparkHadoopConf.current(), "(Spark starting)",
                    Duration.ofSeconds(c.run().lockStaleSeconds()), c.run().takeOverStaleLock());
        } catch (RunLock.LockedException e) {
            System.err.println("train: " + e.getMessage());
            return EXIT_LOCKED;
        }
        RunLog log = RunLog.open(runDir, SparkHadoopConf.current(), System.err);
        PrintStream out = log == null ? System.out : RunLog.output(System.out);
        try (lock; JavaSparkContext sc = SparkContexts.create("train", c, Optional.empty())) {
            lock.setApplication(sc.sc().applicationId());
            lock.startHeartbeat();
            Prepared p = prepare(sc, loaded, trainImages, 0, out);
            TrainingRun.Start start = c.model().initFrom().isEmpty() ? null
                    : new InitFrom(c.model().initFrom(), c.model().initFromLayerSet(), sc.hadoopConfiguration());
            TrainingRun.Result r = new TrainingRun(sc, p.setup(), p.options(), p.validator(), out, start).lockedBy(lock).run();
            out.printf(Locale.ROOT, "finished %s: %d steps (%d skipped), last loss %.4f%s%n  checkpoint %s%n  plot %s/training.png%n",
                    c.run().name(), r.steps(), r.skippedSteps(), r.lastLoss(),
                    r.lastEvaluation() == null ? "" : String.format(Locale.ROOT, ", top-1 error %.2f%%, top-5 error %.2f%% (%d images)",
                            100 * r.lastEvaluation().top1Error(), 100 * r.lastEvaluation().top5Error(), r.lastEvaluation().images()),
                    r.lastCheckpoint(), runDir);
            if (log != null) {
                out.printf(Locale.ROOT, "  log %s%n", log.file());
            }
            return 0;
        } finally {
            out.flush();
            if (log != null) {
                log.close();
            }
        }
    }

    /** What {@code train} and {@code retrain} build before the step loop. */
    public record Prepared(TrainingSetup setup, RunOptions options, Validator validator) {
    }

    /**
     * Everything that can be checked without Spark: the model builds, the datasets open and have the
     * configured class count. Returns the training set's image count.
     *
     * @throws IllegalArgumentException naming the key and value at fault
     */
    public static long checkInputs(InceptionConfig c) {
        ModelZoo.build(c.model(), 0);
        long trainImages = checkDataset("inception.data.train", c.data().train(), c.model().classes());
        if (c.data().hasValidation()) {
            checkDataset("inception.data.validation", c.data().validation(), c.model().classes());
        }
        return trainImages;
    }

    /**
     * The run's setup, options and validator, and the start line.
     *
     * @param stepOffset steps the run starts beyond 0 (a warm start that keeps its parent's step): the
     *                   run trains its configured steps after them
     */
    public static Prepared prepare(JavaSparkContext sc, LoadedConfig loaded, long trainImages, long stepOffset,
                                   PrintStream out) throws InterruptedException {
        InceptionConfig c = loaded.config();
        int replicas = replicas(sc, c);
        PackedBatchSource data = new PackedBatchSource(c.data().train(), trainImages, c.run().seed(),
                c.cluster().batchPerReplica(), c.model().inputSize(), c.augment(),
                c.data().decodeThreads(), c.data().prefetch(), c.data().decodeLimits());
        String runKey = c.run().name() + "@" + sc.sc().applicationId();
        TrainingSetup setup = TrainingSetups.from(c, runKey, replicas, data);
        String runDir = runDir(c);
        RunOptions options = new RunOptions(runDir, stepOffset + setup.totalSteps(), c.schedule().logEverySteps(),
                c.checkpoint().everySteps(), c.checkpoint().keep(), c.eval().everySteps(),
                loaded.raw().root().render(com.typesafe.config.ConfigRenderOptions.concise().setFormatted(true)),
                c.checkpoint().everyMinutes(), c.data().maxSkippedFraction(),
                c.schedule().maxConsecutiveSkippedSteps(), c.run().allowedChanges(), c.cluster().stepTimeout(),
                c.cluster().stepTimeoutRetries(), c.cluster().exchange(), c.cluster().stepsPerJob(),
                c.cluster().precision());
        Validator validator = c.data().hasValidation()
                ? new EvaluationValidator(sc, c.data().validation(), c.model().inputSize(),
                c.augment().evalCentralFraction(), c.eval().maxImages(), c.data().decodeLimits(),
                c.eval().recomputeBatchNorm()
                        ? new BatchNormRecompute(data, replicas, c.cluster().batchPerReplica(), c.eval().batchNormImages())
                        : null)
                : null;
        out.printf(Locale.ROOT, "training %s (%s, %dx%d, %d classes, width %.2f) on %s: %d replicas x %d images, "
                        + "%d images per epoch, %d steps; Spark UI: %s%n",
                c.run().name(), c.model().name(), c.model().inputSize(), c.model().inputSize(), c.model().classes(),
                c.model().widthMultiplier(), sc.master(), replicas, c.cluster().batchPerReplica(), trainImages,
                setup.totalSteps(), sc.sc().uiWebUrl().getOrElse(() -> "disabled"));
        ShortRunWarnings.of(c, setup.totalSteps()).forEach(out::println);
        if (c.cluster().precision() != org.inceptionspark.config.ClusterConfig.Precision.FLOAT32) {
            out.println("note: cluster.exchange-precision = bfloat16: weights and gradients travel rounded to 16 bits"
                    + " (the driver keeps float32 state); runs repeat bit for bit, but are not bit-identical to float32 runs");
        }
        return new Prepared(setup, options, validator);
    }

    /** {@code <run.dir>/<run.name>}. */
    public static String runDir(InceptionConfig c) {
        return new org.apache.hadoop.fs.Path(c.run().dir(), c.run().name()).toString();
    }

    /** {@code --allow-change k1,k2} is {@code -Dinception.run.allow-change=k1,k2}. */
    static String[] allowChangeAsOverride(String[] argv) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < argv.length; i++) {
            if (argv[i].equals("--allow-change") && i + 1 < argv.length) {
                out.add("-Dinception.run.allow-change=" + argv[++i]);
            } else if (argv[i].startsWith("--allow-change=")) {
                out.add("-Dinception.run.allow-change=" + argv[i].substring("--allow-change=".length()));
            } else {
                out.add(argv[i]);
            }
        }
        return out.toArray(String[]::new);
    }

    /**
     * Opens a packed dataset named by a configuration key, checks every file of it against its
     * manifest and that it fits the model; returns its image count.
     */
    public static long checkDataset(String key, String path, int classes) {
        if (path.isEmpty()) {
            throw new IllegalArgumentException(key + " is empty: set it to a dataset written by `bin/inception-spark pack`");
        }
        try (PackedDataset ds = PackedDataset.open(path, SparkHadoopConf.current())) {
            if (ds.numClasses() != classes) {
                throw new IllegalArgumentException(key + " = " + path + " has " + ds.numClasses()
                        + " classes but inception.model.classes = " + classes);
            }
            if (ds.numImages() == 0) {
                throw new IllegalArgumentException(key + " = " + path + " holds no image");
            }
            try {
                ds.verify();
            } catch (IOException e) {
                throw new IllegalArgumentException(key + " = " + path + " is damaged: " + e.getMessage(), e);
            }
            return ds.numImages();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot open " + key + " = " + path + ": " + e.getMessage(), e);
        }
    }

    /** The configured replica count, or one per executor (local mode: one per core). */
    static int replicas(JavaSparkContext sc, InceptionConfig c) throws InterruptedException {
        if (!c.cluster().replicasDecidedAtStartup()) {
            return c.cluster().replicas();
        }
        if (sc.sc().isLocal()) {
            return sc.defaultParallelism();
        }
        int wanted = sc.getConf().getInt("spark.executor.instances", 1);
        int n = ExecutorCount.await(sc, wanted, Duration.ofSeconds(120));
        if (n == 0) {
            throw new IllegalStateException("no executor registered within 120 s: cannot decide the replica count "
                    + "(set inception.cluster.replicas or check the cluster)");
        }
        return n;
    }
}

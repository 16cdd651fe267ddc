package org.inceptionspark.driver.commands;

import org.inceptionspark.driver.registry.*;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.inceptionspark.config.InceptionConfig;
import org.inceptionspark.config.LoadedConfig;
import org.inceptionspark.config.RegistryConfig;
import org.inceptionspark.driver.SparkContexts;
import org.inceptionspark.driver.commands.TrainCommand;
import org.inceptionspark.driver.checkpoint.Checkpoint;
import org.inceptionspark.driver.checkpoint.CheckpointModels;
import org.inceptionspark.driver.checkpoint.CheckpointStore;
import org.inceptionspark.driver.cli.CliArgs;
import org.inceptionspark.driver.cli.ConfigArgs;
import org.inceptionspark.driver.train.RunLock;
import org.inceptionspark.driver.train.TrainingRun;
import org.inceptionspark.driver.train.Validator;
import org.inceptionspark.worker.data.PackLayout;

/**
 * {@code retrain --config F --registry DIR}: trains a candidate (warm-started from the registry's
 * current model when there is one), evaluates it and the current model on the same validation
 * images the same way, and promotes it when the gate ({@code inception.registry.*}) passes.
 * The whole of it holds the registry's lock, so two retrains never interleave, and the run
 * directory's lock ({@link RunLock}, as {@code train} takes it), so no {@code train} writes into its run.
 *
 * <p>The run directory is {@code <run.dir>/<run.name>} as for {@code train}: a retrain that failed
 * and is retried (by the scheduler) resumes from its checkpoints. A run directory whose retrain
 * was decided (promoted or refused) is moved aside, so the next retrain starts a new run.
 */
public final class RetrainCommand implements Command {
    public static final int EXIT_PROMOTED = 0;
    public static final int EXIT_REFUSED = 3;
    public static final int EXIT_BUSY = 4;
    private static final String DECISION = "retrain-decision.json";

    private final PrintStream out;

    public RetrainCommand() {
        this(System.out);
    }

    public RetrainCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public int run(String[] argv) throws Exception {
        CliArgs args = CliArgs.parse(argv, Set.of(ConfigArgs.OPTION, "registry"), Set.of());
        String registryDir = args.require("registry");
        LoadedConfig loaded = ConfigArgs.load(args);
        InceptionConfig c = loaded.config();
        if (!c.data().hasValidation()) {
            throw new IllegalArgumentException("inception.data.validation is empty: the gate compares the candidate "
                    + "and the current model on validation data");
        }
        long trainImages = TrainCommand.checkInputs(c);
        Configuration hadoop = new Configuration();
        ModelRegistry registry = new ModelRegistry(registryDir, hadoop);
        try (RunLock lock = registry.lock("retrain " + c.run().name())) {
            return retrain(registry, loaded, trainImages, hadoop);
        } catch (ModelRegistry.BusyException e) {
            System.err.println("retrain: " + e.getMessage());
            return EXIT_BUSY;
        } catch (WarmStart.MismatchException e) {
            System.err.println("retrain: " + e.getMessage());
            return EXIT_BAD_INPUT;
        }
    }

    private int retrain(ModelRegistry registry, LoadedConfig loaded, long trainImages, Configuration hadoop)
            throws Exception {
        InceptionConfig c = loaded.config();
        String runDir = TrainCommand.runDir(c);
        RunLock runLock;
        try {
            runLock = lockRun(runDir, c, hadoop);
        } catch (RunLock.LockedException e) {
            System.err.println("retrain: " + e.getMessage());
            return EXIT_BUSY;
        }
        try (runLock) {
            return retrainLocked(registry, loaded, trainImages, hadoop, runDir, runLock);
        }
    }

    /**
     * Takes the run directory's lock, as {@code train} does, so a {@code train} of the same run never
     * writes into it meanwhile. A decided run is moved aside under that lock (so a driver still
     * training there is never moved), and the fresh directory is locked again.
     */
    private RunLock lockRun(String runDir, InceptionConfig c, Configuration hadoop) throws IOException {
        Duration stale = Duration.ofSeconds(c.run().lockStaleSeconds());
        RunLock lock = RunLock.acquire(runDir, hadoop, "(Spark starting)", stale, c.run().takeOverStaleLock());
        if (!decided(runDir, hadoop)) {
            return lock;
        }
        lock.close();
        setAsideDecidedRun(runDir, hadoop);
        return RunLock.acquire(runDir, hadoop, "(Spark starting)", stale, false);
    }

    private int retrainLocked(ModelRegistry registry, LoadedConfig loaded, long trainImages, Configuration hadoop,
                              String runDir, RunLock runLock) throws Exception {
        InceptionConfig c = loaded.config();
        RegistryConfig gate = c.registry();
        Optional<String> parent = registry.current();
        Checkpoint parentCheckpoint = parent.isPresent() ? registry.checkpoint(parent.get()) : null;
        WarmStart warm = parent.isPresent() ? new WarmStart(parent.get(), parentCheckpoint, gate.keepOptimizer()) : null;
        if (parent.isEmpty()) {
            out.printf("registry %s holds no model yet: training from scratch%n", registry.location());
        }
        try (JavaSparkContext sc = SparkContexts.create("retrain", c, Optional.empty())) {
            runLock.setApplication(sc.sc().applicationId());
            runLock.startHeartbeat();
            TrainCommand.Prepared p = TrainCommand.prepare(sc, loaded, trainImages, warm == null ? 0 : warm.startStep(),
                    System.out);
            TrainingRun.Result r = new TrainingRun(sc, p.setup(), p.options(), p.validator(), out, warm).lockedBy(runLock).run();
            Checkpoint candidate = CheckpointStore.read(r.lastCheckpoint(), hadoop);
            Validator.Result mine = r.lastEvaluation();
            Validator.Result theirs = null;
            String noComparison = null;
            if (parentCheckpoint != null) {
                noComparison = incomparable(parentCheckpoint, c);
                if (noComparison == null) {
                    sc.setJobDescription("evaluate the registry's " + parent.get());
                    theirs = p.validator().evaluate(ComputationGraphConfiguration.fromJson(parentCheckpoint.graphJson()),
                            parentCheckpoint.evaluationParams().clone());
                    sc.setJobDescription(null);
                }
            }
            out.printf(Locale.ROOT, "candidate: top-1 error %.2f%%, top-5 error %.2f%% on %d validation images%n",
                    100 * mine.top1Error(), 100 * mine.top5Error(), mine.images());
            if (theirs != null) {
                out.printf(Locale.ROOT, "current %s: top-1 error %.2f%%, top-5 error %.2f%% on the same %d images%n",
                        parent.get(), 100 * theirs.top1Error(), 100 * theirs.top5Error(), theirs.images());
            } else if (noComparison != null) {
                out.printf("current %s: not compared (%s)%n", parent.get(), noComparison);
            }
            String refusal = refusal(gate, mine, theirs);
            ObjectNode decision = ModelRegistry.newObject();
            decision.put("time", Instant.now().toString());
            if (refusal != null) {
                out.printf("refused by the gate: %s; the registry is unchanged (current: %s)%n", refusal,
                        parent.orElse("none"));
                decision.put("decision", "refused").put("reason", refusal);
                writeDecision(runDir, decision, hadoop);
                return EXIT_REFUSED;
            }
            // the published model carries the batch-norm statistics its evaluation used (recomputed, by default)
            float[] published = p.validator().evaluatedWeights(
                    ComputationGraphConfiguration.fromJson(candidate.graphJson()), candidate.evaluationParams());
            String version = registry.nextVersion();
            ObjectNode meta = metadata(parent, warm != null, loaded, sc, runDir, r, published,
                    p.validator().batchNormStatistics(), mine, theirs, noComparison);
            registry.publish(version, candidate, published, meta);
            registry.setCurrent(version);
            out.printf(Locale.ROOT, "promoted %s (parent %s) in %s: current is now %s%n", version, parent.orElse("none"),
                    registry.location(), version);
            decision.put("decision", "promoted").put("version", version);
            writeDecision(runDir, decision, hadoop);
            return EXIT_PROMOTED;
        }
    }

    /** Why the current model cannot be evaluated like the candidate, or null when it can. */
    private static String incomparable(Checkpoint current, InceptionConfig c) {
        int classes = com.typesafe.config.ConfigFactory.parseString(current.configText()).getInt("inception.model.classes");
        if (classes != c.model().classes()) {
            return "it has " + classes + " classes, the candidate " + c.model().classes();
        }
        if (CheckpointModels.inputSize(current) != c.model().inputSize()) {
            return "it takes " + CheckpointModels.inputSize(current) + "x" + CheckpointModels.inputSize(current)
                    + " images, the candidate " + c.model().inputSize();
        }
        return null;
    }

    /** Why the gate refuses the candidate, or null when it passes. */
    static String refusal(RegistryConfig gate, Validator.Result mine, Validator.Result theirs) {
        if (mine.top1Error() > gate.maxTop1Error()) {
            return String.format(Locale.ROOT, "top-1 error %.2f%% > registry.max-top1-error %.2f%%",
                    100 * mine.top1Error(), 100 * gate.maxTop1Error());
        }
        if (theirs != null && mine.top1Error() - theirs.top1Error() > gate.maxRegression()) {
            return String.format(Locale.ROOT, "top-1 error %.2f%% is %.2f points above the current model's %.2f%% "
                            + "> registry.max-regression %.2f points", 100 * mine.top1Error(),
                    100 * (mine.top1Error() - theirs.top1Error()), 100 * theirs.top1Error(), 100 * gate.maxRegression());
        }
        return null;
    }

    private ObjectNode metadata(Optional<String> parent, boolean warmStarted, LoadedConfig loaded, JavaSparkContext sc,
                                String runDir, TrainingRun.Result r, float[] published, String batchNormStatistics,
                                Validator.Result mine, Validator.Result theirs, String noComparison) throws IOException {
        InceptionConfig c = loaded.config();
        ObjectNode m = ModelRegistry.newObject();
        m.put("version", (String) null);
        if (parent.isPresent()) {
            m.put("parent", parent.get());
        } else {
            m.putNull("parent");
        }
        ObjectNode run = m.putObject("run");
        run.put("name", c.run().name()).put("directory", runDir).put("application", sc.sc().applicationId())
                .put("steps", r.steps()).put("skippedSteps", r.skippedSteps()).put("warmStarted", warmStarted)
                .put("lastLoss", r.lastLoss());
        m.set("configuration", ModelRegistry.mapper().readTree(loaded.raw().root().render(
                com.typesafe.config.ConfigRenderOptions.concise())));
        ObjectNode data = m.putObject("data");
        data.put("train", c.data().train()).put("validation", c.data().validation())
                .put("manifestDigest", manifestDigest(sc.hadoopConfiguration(), c.data().train(), c.data().validation()));
        m.put("parameterDigest", "sha256:" + parameterDigest(published));
        m.put("batchNormStatistics", batchNormStatistics);
        ObjectNode metrics = m.putObject("metrics");
        metrics.put("top1Error", mine.top1Error()).put("top5Error", mine.top5Error()).put("validationImages", mine.images());
        ObjectNode current = metrics.putObject("current");
        current.put("version", parent.orElse(null));
        if (theirs != null) {
            current.put("top1Error", theirs.top1Error()).put("top5Error", theirs.top5Error());
        } else if (noComparison != null) {
            current.put("notCompared", noComparison);
        }
        m.putObject("gate").put("maxTop1Error", c.registry().maxTop1Error())
                .put("maxRegression", c.registry().maxRegression());
        m.put("time", Instant.now().toString());
        return m;
    }

    /** SHA-256 over the manifests and indexes of the datasets (which images, in which order, with which labels). */
    static String manifestDigest(Configuration hadoop, String... datasets) throws IOException {
        MessageDigest d = sha256();
        for (String ds : datasets) {
            for (String f : new String[] {PackLayout.MANIFEST, PackLayout.INDEX}) {
                Path p = new Path(ds, f);
                try (var in = p.getFileSystem(hadoop).open(p)) {
                    byte[] buf = new byte[1 << 16];
                    for (int n; (n = in.read(buf)) > 0; ) {
                        d.update(buf, 0, n);
                    }
                }
            }
        }
        return "sha256:" + HexFormat.of().formatHex(d.digest());
    }

    /** SHA-256 of the weights as big-endian float32, the order of the exported model's flat vector. */
    public static String parameterDigest(float[] weights) {
        MessageDigest d = sha256();
        ByteBuffer b = ByteBuffer.allocate(1 << 16);
        for (float w : weights) {
            if (!b.hasRemaining()) {
                d.update(b.array(), 0, b.position());
                b.clear();
            }
            b.putFloat(w);
        }
        d.update(b.array(), 0, b.position());
        return HexFormat.of().formatHex(d.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean decided(String runDir, Configuration hadoop) throws IOException {
        Path p = new Path(runDir, DECISION);
        return p.getFileSystem(hadoop).exists(p);
    }

    private void setAsideDecidedRun(String runDir, Configuration hadoop) throws IOException {
        Path dir = new Path(runDir);
        FileSystem fs = dir.getFileSystem(hadoop);
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
        Path aside = new Path(dir.getParent(), dir.getName() + "-" + stamp);
        if (!fs.rename(dir, aside)) {
            throw new IOException("could not move the decided run " + dir + " aside to " + aside);
        }
        out.printf("the run in %s was already decided: moved to %s; starting a new run%n", dir, aside);
    }

    private static void writeDecision(String runDir, ObjectNode decision, Configuration hadoop) throws IOException {
        Path p = new Path(runDir, DECISION);
        try (var o = p.getFileSystem(hadoop).create(p, true)) {
            o.write(ModelRegistry.json(decision).getBytes(StandardCharsets.UTF_8));
        }
    }
}

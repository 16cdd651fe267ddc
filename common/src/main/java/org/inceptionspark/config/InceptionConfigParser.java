package org.inceptionspark.config;

import org.deeplearning4j.nn.conf.CacheMode;
import static org.inceptionspark.config.Bound.ANY;
import static org.inceptionspark.config.Bound.atLeast;
import static org.inceptionspark.config.Bound.decay;
import static org.inceptionspark.config.Bound.fractionAboveZero;
import static org.inceptionspark.config.Bound.positive;
import org.inceptionspark.image.DecodeLimits;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the resolved {@code inception} tree into typed records, with every range rule in one
 * place. The ranges are those under which the training code's maths is defined, not the recipe's
 * values: departures from the recipe are {@link RecipeAudit}'s business, not an error.
 *
 * <p>This is the one place a key is spelt in code. Each read names the record component its value
 * goes to, so {@link #values(InceptionConfig)} gets any configuration's key map by reading that
 * configuration back through the same reads.
 */
final class InceptionConfigParser {
    private final ValueReader r;

    InceptionConfigParser(ValueReader reader) {
        this.r = reader;
    }

    /**
     * Every leaf key (full path, in reference.conf's order) with {@code config}'s value for it, as
     * the parser reads it: numbers as {@code Integer}, {@code Long} or {@code Double}, enums spelt as
     * in files ({@code global-norm}), durations as {@code Duration}. Loading the map back yields an
     * equal configuration.
     *
     * @throws InvalidConfigException if {@code config}, built in code, holds a value a file could not
     */
    static Map<String, Object> values(InceptionConfig config) {
        ValueReader reader = ValueReader.of(config);
        InceptionConfig readBack = new InceptionConfigParser(reader).parse();
        if (!reader.errors().isEmpty()) {
            throw new InvalidConfigException(reader.errors());
        }
        Map<String, Object> read = reader.values();
        List<String> known = ConfigLoader.knownKeys();
        Set<String> unread = new LinkedHashSet<>(known);
        unread.removeAll(read.keySet());
        Set<String> unknown = new LinkedHashSet<>(read.keySet());
        known.forEach(unknown::remove);
        if (!unread.isEmpty() || !unknown.isEmpty()) {
            throw new IllegalStateException("the parser and reference.conf disagree: reference.conf keys the parser does "
                    + "not read " + unread + ", keys it reads that reference.conf lacks " + unknown);
        }
        // A read naming the wrong component would otherwise print one key's value under another's name.
        if (!readBack.equals(config)) {
            throw new IllegalStateException("reading a configuration back through the parser changed it (a read names "
                    + "the wrong component, or a value built in code does not survive a file): "
                    + differences(config, readBack));
        }
        Map<String, Object> ordered = new LinkedHashMap<>();
        known.forEach(k -> ordered.put(k, read.get(k)));
        return java.util.Collections.unmodifiableMap(ordered);
    }

    /** The components that differ, {@code model.auxFcInitStddev 0.001 -> 0.01}, for a message. */
    private static List<String> differences(Record a, Record b) {
        List<String> out = new java.util.ArrayList<>();
        for (java.lang.reflect.RecordComponent rc : a.getClass().getRecordComponents()) {
            Object x;
            Object y;
            try {
                x = rc.getAccessor().invoke(a);
                y = rc.getAccessor().invoke(b);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            if (java.util.Objects.equals(x, y)) {
                continue;
            }
            if (x instanceof Record rx && y instanceof Record ry) {
                differences(rx, ry).forEach(d -> out.add(rc.getName() + "." + d));
            } else {
                out.add(rc.getName() + " " + x + " -> " + y);
            }
        }
        return out;
    }

    InceptionConfig parse() {
        OptimizerConfig optimizer = optimizer();
        EvalConfig eval = eval();
        ModelConfig model = model();
        AugmentConfig augment = augment();
        r.require(augment.scaleMin() == 0 || augment.scaleMin() >= model.inputSize(), "augment.scale-min",
                "the shorter side S must be at least model.input-size (" + model.inputSize() + ") to crop from");
        // The plateau schedule has nothing to decide from without the run's periodic evaluations.
        r.require(optimizer.schedule() != OptimizerConfig.Schedule.PLATEAU || eval.everySteps() > 0, "optimizer.schedule",
                "plateau decides from the evaluations every eval.every-steps steps: set eval.every-steps > 0");
        return new InceptionConfig(run(), model, cluster(), optimizer, movingAverage(), schedule(), data(),
                augment, checkpoint(), eval, registry(), spark());
    }

    private RunConfig run() {
        String name = r.nonEmptyString("run.name", c -> c.run().name());
        r.require(!name.contains("/") && !name.contains("\\"), "run.name",
                "must be a single directory name, without / or \\");
        String allowChange = r.string("run.allow-change", c -> c.run().allowChange());
        for (String k : allowChange.split(",")) {
            String t = k.trim();
            String full = t.startsWith(ConfigLoader.ROOT + ".") ? t : ConfigLoader.ROOT + "." + t;
            r.require(t.isEmpty() || ConfigLoader.knownKeys().contains(full), "run.allow-change",
                    "'" + t + "' is not a configuration key");
        }
        return new RunConfig(name,
                r.nonEmptyString("run.dir", c -> c.run().dir()),
                r.longInteger("run.seed", c -> c.run().seed(), ANY),
                allowChange,
                r.bool("run.take-over-stale-lock", c -> c.run().takeOverStaleLock()),
                r.integer("run.lock-stale-seconds", c -> c.run().lockStaleSeconds(), atLeast(10)));
    }

    private ModelConfig model() {
        String name = r.oneOf("model.name", c -> c.model().name(), ModelConfig.NAMES);
        int inputSize = r.integer("model.input-size", c -> c.model().inputSize(), atLeast(1));
        if (name.equals(ModelConfig.INCEPTION_V3)) {
            r.require(ModelConfig.INCEPTION_V3_INPUT_SIZES.contains(inputSize), "model.input-size",
                    "inception_v3 takes 299, 151 or 79 (paper section 9's variants of about the same cost)");
        } else if (ModelConfig.NAMES.contains(name)) {
            r.require(inputSize >= ModelConfig.MIN_INPUT_SIZE, "model.input-size",
                    name + " needs at least " + ModelConfig.MIN_INPUT_SIZE + " (its paper uses 224)");
        }
        String initFrom = r.string("model.init-from", c -> c.model().initFrom());
        String initFromLayers = r.string("model.init-from-layers", c -> c.model().initFromLayers());
        r.require(initFromLayers.isBlank() || !initFrom.isBlank(), "model.init-from-layers",
                "names layers to take from model.init-from, which is empty");
        return new ModelConfig(
                name,
                inputSize,
                r.integer("model.classes", c -> c.model().classes(), atLeast(2)),
                r.number("model.width-multiplier", c -> c.model().widthMultiplier(), fractionAboveZero()),
                r.integer("model.min-depth", c -> c.model().minDepth(), atLeast(1)),
                r.bool("model.aux-head", c -> c.model().auxHead()),
                r.number("model.aux-loss-weight", c -> c.model().auxLossWeight(), atLeast(0)),
                r.number("model.dropout-keep", c -> c.model().dropoutKeep(), fractionAboveZero()),
                r.number("model.label-smoothing", c -> c.model().labelSmoothing(), new Bound(0, true, 1, false)),
                r.number("model.weight-decay", c -> c.model().weightDecay(), atLeast(0)),
                r.number("model.batch-norm.decay", c -> c.model().bnDecay(), decay()),
                r.number("model.batch-norm.epsilon", c -> c.model().bnEpsilon(), positive()),
                r.bool("model.batch-norm.scale", c -> c.model().bnScale()),
                r.number("model.init.conv-stddev", c -> c.model().convInitStddev(), positive()),
                r.number("model.init.aux-conv-stddev", c -> c.model().auxConvInitStddev(), positive()),
                r.number("model.init.aux-fc-stddev", c -> c.model().auxFcInitStddev(), positive()),
                r.number("model.init.fc-stddev", c -> c.model().fcInitStddev(), positive()),
                r.choice("model.cache-mode", c -> c.model().cacheMode(), CacheMode.class),
                initFrom,
                initFromLayers);
    }

    private ClusterConfig cluster() {
        int perTask = r.integer("cluster.replicas-per-task", c -> c.cluster().replicasPerTask(), atLeast(0));
        r.require(perTask == ClusterConfig.PER_TASK_FROM_SLOTS || Integer.bitCount(perTask) == 1,
                "cluster.replicas-per-task", "must be 0 (from the task slots) or a power of two (1, 2, 4, ...)");
        ClusterConfig.Exchange exchange = r.choice("cluster.exchange", c -> c.cluster().exchange(), ClusterConfig.Exchange.class);
        int stepsPerJob = r.integer("cluster.steps-per-job", c -> c.cluster().stepsPerJob(), atLeast(1));
        r.require(stepsPerJob == 1 || exchange == ClusterConfig.Exchange.DIRECT, "cluster.steps-per-job",
                "runs several steps in one barrier job, which only cluster.exchange = direct does: set it to 1 or the"
                        + " exchange to direct");
        ClusterConfig.Precision precision = r.choice("cluster.exchange-precision", c -> c.cluster().precision(),
                ClusterConfig.Precision.class);
        r.require(precision == ClusterConfig.Precision.FLOAT32 || exchange == ClusterConfig.Exchange.DIRECT,
                "cluster.exchange-precision", "narrows the floats of cluster.exchange = direct only: set it to float32 or the"
                        + " exchange to direct");
        return new ClusterConfig(
                r.integer("cluster.replicas", c -> c.cluster().replicas(), atLeast(0)),
                r.integer("cluster.batch-per-replica", c -> c.cluster().batchPerReplica(), atLeast(1)),
                r.choice("cluster.combine", c -> c.cluster().combine(), ClusterConfig.Combine.class),
                r.integer("cluster.reduce-slices", c -> c.cluster().reduceSlices(), atLeast(0)),
                perTask,
                r.duration("cluster.step-timeout", c -> c.cluster().stepTimeout()),
                r.integer("cluster.step-timeout-retries", c -> c.cluster().stepTimeoutRetries(), atLeast(0)),
                exchange, stepsPerJob, precision);
    }

    private OptimizerConfig optimizer() {
        return new OptimizerConfig(
                r.choice("optimizer.type", c -> c.optimizer().type(), OptimizerConfig.Type.class),
                r.number("optimizer.learning-rate", c -> c.optimizer().learningRate(), positive()),
                r.number("optimizer.decay-factor", c -> c.optimizer().decayFactor(), fractionAboveZero()),
                r.number("optimizer.epochs-per-decay", c -> c.optimizer().epochsPerDecay(), positive()),
                r.bool("optimizer.staircase", c -> c.optimizer().staircase()),
                r.number("optimizer.rmsprop.decay", c -> c.optimizer().rmsDecay(), decay()),
                r.number("optimizer.rmsprop.momentum", c -> c.optimizer().rmsMomentum(), decay()),
                // > 0: with ms decaying towards a zero gradient, sqrt(ms + eps) must stay away from 0.
                r.number("optimizer.rmsprop.epsilon", c -> c.optimizer().rmsEpsilon(), positive()),
                r.number("optimizer.rmsprop.initial-mean-square", c -> c.optimizer().rmsInitialMeanSquare(),
                        atLeast(0)),
                r.number("optimizer.momentum", c -> c.optimizer().momentum(), decay()),
                r.choice("optimizer.clip.mode", c -> c.optimizer().clipMode(), OptimizerConfig.ClipMode.class),
                r.number("optimizer.clip.threshold", c -> c.optimizer().clipThreshold(), positive()),
                r.choice("optimizer.schedule", c -> c.optimizer().schedule(), OptimizerConfig.Schedule.class),
                r.integer("optimizer.plateau.patience", c -> c.optimizer().plateauPatience(), atLeast(1)),
                r.number("optimizer.plateau.min-delta", c -> c.optimizer().plateauMinDelta(),
                        new Bound(0, true, 1, true)),
                r.integer("optimizer.plateau.max-cuts", c -> c.optimizer().plateauMaxCuts(), atLeast(0)));
    }

    private MovingAverageConfig movingAverage() {
        return new MovingAverageConfig(
                r.bool("moving-average.enabled", c -> c.movingAverage().enabled()),
                r.number("moving-average.decay", c -> c.movingAverage().decay(), decay()),
                r.bool("moving-average.warmup", c -> c.movingAverage().warmup()),
                r.bool("moving-average.polyak", c -> c.movingAverage().polyak()));
    }

    private ScheduleConfig schedule() {
        return new ScheduleConfig(
                r.number("schedule.epochs", c -> c.schedule().epochs(), positive()),
                r.longInteger("schedule.max-steps", c -> c.schedule().maxSteps(), atLeast(0)),
                r.integer("schedule.log-every-steps", c -> c.schedule().logEverySteps(), atLeast(1)),
                r.integer("schedule.max-consecutive-skipped-steps", c -> c.schedule().maxConsecutiveSkippedSteps(),
                        atLeast(0)));
    }

    private DataConfig data() {
        return new DataConfig(
                r.string("data.train", c -> c.data().train()),
                r.string("data.validation", c -> c.data().validation()),
                r.bool("data.prefetch", c -> c.data().prefetch()),
                r.integer("data.decode-threads", c -> c.data().decodeThreads(), atLeast(0)),
                r.longInteger("data.max-pixels", c -> c.data().maxPixels(),
                        new Bound(1, true, DecodeLimits.MAX_PIXELS_CEILING, true)),
                r.integer("data.max-side", c -> c.data().maxSide(), new Bound(1, true, DecodeLimits.MAX_SIDE_CEILING, true)),
                r.number("data.max-skipped-fraction", c -> c.data().maxSkippedFraction(), new Bound(0, true, 1, true)));
    }

    private AugmentConfig augment() {
        double minArea = r.number("augment.min-area", c -> c.augment().minArea(), fractionAboveZero());
        double maxArea = r.number("augment.max-area", c -> c.augment().maxArea(), fractionAboveZero());
        r.require(minArea <= maxArea, "augment.min-area", "must be <= augment.max-area (" + maxArea + ")");
        double minAspect = r.number("augment.min-aspect", c -> c.augment().minAspect(), positive());
        double maxAspect = r.number("augment.max-aspect", c -> c.augment().maxAspect(), positive());
        r.require(minAspect <= maxAspect, "augment.min-aspect", "must be <= augment.max-aspect (" + maxAspect + ")");
        int scaleMin = r.integer("augment.scale-min", c -> c.augment().scaleMin(), atLeast(0));
        int scaleMax = r.integer("augment.scale-max", c -> c.augment().scaleMax(), atLeast(0));
        r.require((scaleMin == 0) == (scaleMax == 0), "augment.scale-min",
                "and augment.scale-max (" + scaleMax + ") are both 0 (area/aspect crops) or both a training scale S");
        r.require(scaleMin <= scaleMax, "augment.scale-min", "must be <= augment.scale-max (" + scaleMax + ")");
        return new AugmentConfig(minArea, maxArea, minAspect, maxAspect,
                r.integer("augment.max-attempts", c -> c.augment().maxAttempts(), atLeast(1)),
                r.bool("augment.flip", c -> c.augment().flip()),
                r.bool("augment.color-distortion", c -> c.augment().colorDistortion()),
                r.number("augment.brightness-delta", c -> c.augment().brightnessDelta(), new Bound(0, true, 1, true)),
                r.number("augment.saturation-lower", c -> c.augment().saturationLower(), atLeast(0)),
                r.number("augment.saturation-upper", c -> c.augment().saturationUpper(), atLeast(0)),
                r.number("augment.hue-delta", c -> c.augment().hueDelta(), new Bound(0, true, 0.5, true)),
                r.number("augment.contrast-lower", c -> c.augment().contrastLower(), atLeast(0)),
                r.number("augment.contrast-upper", c -> c.augment().contrastUpper(), atLeast(0)),
                r.number("augment.eval-central-fraction", c -> c.augment().evalCentralFraction(), fractionAboveZero()),
                scaleMin, scaleMax);
    }

    private CheckpointConfig checkpoint() {
        return new CheckpointConfig(
                r.integer("checkpoint.every-steps", c -> c.checkpoint().everySteps(), atLeast(1)),
                r.number("checkpoint.every-minutes", c -> c.checkpoint().everyMinutes(), atLeast(0)),
                r.integer("checkpoint.keep", c -> c.checkpoint().keep(), atLeast(1)));
    }

    private EvalConfig eval() {
        return new EvalConfig(
                r.integer("eval.every-steps", c -> c.eval().everySteps(), atLeast(0)),
                r.longInteger("eval.max-images", c -> c.eval().maxImages(), atLeast(0)),
                r.oneOf("eval.batch-norm-statistics", c -> c.eval().batchNormStatistics(), EvalConfig.BATCH_NORM_STATISTICS),
                r.longInteger("eval.batch-norm-images", c -> c.eval().batchNormImages(), atLeast(1)),
                r.oneOf("eval.mode", c -> c.eval().mode(), EvalConfig.MODES),
                denseScales(),
                r.bool("eval.dense-flip", c -> c.eval().denseFlip()));
    }

    /** {@code eval.dense-scales}: comma-separated test scales Q, each a shorter side in pixels. */
    private List<Integer> denseScales() {
        String key = "eval.dense-scales";
        String text = r.string(key, c -> commaSeparated(c.eval().denseScales()));
        List<Integer> scales = new java.util.ArrayList<>();
        for (String q : text.split(",")) {
            int value;
            try {
                value = Integer.parseInt(q.trim());
            } catch (NumberFormatException e) {
                value = 0;
            }
            r.require(value >= ModelConfig.MIN_INPUT_SIZE, key, "'" + q.trim() + "' in \"" + text
                    + "\" is not a test scale: give comma-separated shorter sides of at least " + ModelConfig.MIN_INPUT_SIZE
                    + " pixels, e.g. \"256,384,512\"");
            if (value >= ModelConfig.MIN_INPUT_SIZE) {
                scales.add(value);
            }
        }
        // The list as read, not as typed: "256, 384" is the same configuration as "256,384".
        r.keep(key, commaSeparated(scales));
        return List.copyOf(scales);
    }

    private static String commaSeparated(List<Integer> values) {
        return String.join(",", values.stream().map(String::valueOf).toList());
    }

    private RegistryConfig registry() {
        return new RegistryConfig(
                r.number("registry.max-top1-error", c -> c.registry().maxTop1Error(), new Bound(0, true, 1, true)),
                r.number("registry.max-regression", c -> c.registry().maxRegression(), new Bound(0, true, 1, true)),
                r.bool("registry.keep-optimizer", c -> c.registry().keepOptimizer()));
    }

    private SparkConfig spark() {
        return new SparkConfig(
                r.nonEmptyString("spark.master", c -> c.spark().master()),
                r.nonEmptyString("spark.app-name", c -> c.spark().appName()));
    }
}

package org.inceptionspark.config;

import org.deeplearning4j.nn.conf.CacheMode;
import org.inceptionspark.config.OptimizerConfig;
import static org.inceptionspark.config.Bound.ANY;
import static org.inceptionspark.config.Bound.atLeast;
import static org.inceptionspark.config.Bound.decay;
import static org.inceptionspark.config.Bound.fractionAboveZero;
import static org.inceptionspark.config.Bound.positive;
import org.inceptionspark.image.DecodeLimits;

/**
 * Turns the resolved {@code inception} tree into typed records, with every range rule in one
 * place. The ranges are those under which the training code's maths is defined, not the recipe's
 * values: departures from the recipe are {@link RecipeAudit}'s business, not an error.
 */
final class InceptionConfigParser {
    private final ValueReader r;

    InceptionConfigParser(ValueReader reader) {
        this.r = reader;
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
        String name = r.nonEmptyString("run.name");
        r.require(!name.contains("/") && !name.contains("\\"), "run.name",
                "must be a single directory name, without / or \\");
        String allowChange = r.string("run.allow-change");
        for (String k : allowChange.split(",")) {
            String t = k.trim();
            String full = t.startsWith(ConfigLoader.ROOT + ".") ? t : ConfigLoader.ROOT + "." + t;
            r.require(t.isEmpty() || ConfigLoader.knownKeys().contains(full), "run.allow-change",
                    "'" + t + "' is not a configuration key");
        }
        return new RunConfig(name, r.nonEmptyString("run.dir"), r.longInteger("run.seed", ANY), allowChange,
                r.bool("run.take-over-stale-lock"), r.integer("run.lock-stale-seconds", atLeast(10)));
    }

    private ModelConfig model() {
        String name = r.oneOf("model.name", ModelConfig.NAMES);
        int inputSize = r.integer("model.input-size", atLeast(1));
        if (name.equals(ModelConfig.INCEPTION_V3)) {
            r.require(ModelConfig.INCEPTION_V3_INPUT_SIZES.contains(inputSize), "model.input-size",
                    "inception_v3 takes 299, 151 or 79 (paper section 9's variants of about the same cost)");
        } else if (ModelConfig.NAMES.contains(name)) {
            r.require(inputSize >= ModelConfig.MIN_INPUT_SIZE, "model.input-size",
                    name + " needs at least " + ModelConfig.MIN_INPUT_SIZE + " (its paper uses 224)");
        }
        String initFrom = r.string("model.init-from");
        String initFromLayers = r.string("model.init-from-layers");
        r.require(initFromLayers.isBlank() || !initFrom.isBlank(), "model.init-from-layers",
                "names layers to take from model.init-from, which is empty");
        return new ModelConfig(
                name,
                inputSize,
                r.integer("model.classes", atLeast(2)),
                r.number("model.width-multiplier", fractionAboveZero()),
                r.integer("model.min-depth", atLeast(1)),
                r.bool("model.aux-head"),
                r.number("model.aux-loss-weight", atLeast(0)),
                r.number("model.dropout-keep", fractionAboveZero()),
                r.number("model.label-smoothing", new Bound(0, true, 1, false)),
                r.number("model.weight-decay", atLeast(0)),
                r.number("model.batch-norm.decay", decay()),
                r.number("model.batch-norm.epsilon", positive()),
                r.bool("model.batch-norm.scale"),
                r.number("model.init.conv-stddev", positive()),
                r.number("model.init.aux-conv-stddev", positive()),
                r.number("model.init.aux-fc-stddev", positive()),
                r.number("model.init.fc-stddev", positive()),
                r.choice("model.cache-mode", CacheMode.class),
                initFrom,
                initFromLayers);
    }

    private ClusterConfig cluster() {
        int perTask = r.integer("cluster.replicas-per-task", atLeast(0));
        r.require(perTask == ClusterConfig.PER_TASK_FROM_SLOTS || Integer.bitCount(perTask) == 1,
                "cluster.replicas-per-task", "must be 0 (from the task slots) or a power of two (1, 2, 4, ...)");
        return new ClusterConfig(
                r.integer("cluster.replicas", atLeast(0)),
                r.integer("cluster.batch-per-replica", atLeast(1)),
                r.choice("cluster.combine", ClusterConfig.Combine.class),
                r.integer("cluster.reduce-slices", atLeast(0)),
                perTask,
                r.duration("cluster.step-timeout"),
                r.integer("cluster.step-timeout-retries", atLeast(0)));
    }

    private OptimizerConfig optimizer() {
        return new OptimizerConfig(
                r.choice("optimizer.type", OptimizerConfig.Type.class),
                r.number("optimizer.learning-rate", positive()),
                r.number("optimizer.decay-factor", fractionAboveZero()),
                r.number("optimizer.epochs-per-decay", positive()),
                r.bool("optimizer.staircase"),
                r.number("optimizer.rmsprop.decay", decay()),
                r.number("optimizer.rmsprop.momentum", decay()),
                // > 0: with ms decaying towards a zero gradient, sqrt(ms + eps) must stay away from 0.
                r.number("optimizer.rmsprop.epsilon", positive()),
                r.number("optimizer.rmsprop.initial-mean-square", atLeast(0)),
                r.number("optimizer.momentum", decay()),
                r.choice("optimizer.clip.mode", OptimizerConfig.ClipMode.class),
                r.number("optimizer.clip.threshold", positive()),
                r.choice("optimizer.schedule", OptimizerConfig.Schedule.class),
                r.integer("optimizer.plateau.patience", atLeast(1)),
                r.number("optimizer.plateau.min-delta", new Bound(0, true, 1, true)),
                r.integer("optimizer.plateau.max-cuts", atLeast(0)));
    }

    private MovingAverageConfig movingAverage() {
        return new MovingAverageConfig(
                r.bool("moving-average.enabled"),
                r.number("moving-average.decay", decay()),
                r.bool("moving-average.warmup"),
                r.bool("moving-average.polyak"));
    }

    private ScheduleConfig schedule() {
        return new ScheduleConfig(
                r.number("schedule.epochs", positive()),
                r.longInteger("schedule.max-steps", atLeast(0)),
                r.integer("schedule.log-every-steps", atLeast(1)),
                r.integer("schedule.max-consecutive-skipped-steps", atLeast(0)));
    }

    private DataConfig data() {
        return new DataConfig(r.string("data.train"), r.string("data.validation"),
                r.bool("data.prefetch"), r.integer("data.decode-threads", atLeast(0)),
                r.longInteger("data.max-pixels", new Bound(1, true, DecodeLimits.MAX_PIXELS_CEILING, true)),
                r.integer("data.max-side", new Bound(1, true, DecodeLimits.MAX_SIDE_CEILING, true)),
                r.number("data.max-skipped-fraction", new Bound(0, true, 1, true)));
    }

    private AugmentConfig augment() {
        double minArea = r.number("augment.min-area", fractionAboveZero());
        double maxArea = r.number("augment.max-area", fractionAboveZero());
        r.require(minArea <= maxArea, "augment.min-area", "must be <= augment.max-area (" + maxArea + ")");
        double minAspect = r.number("augment.min-aspect", positive());
        double maxAspect = r.number("augment.max-aspect", positive());
        r.require(minAspect <= maxAspect, "augment.min-aspect", "must be <= augment.max-aspect (" + maxAspect + ")");
        int scaleMin = r.integer("augment.scale-min", atLeast(0));
        int scaleMax = r.integer("augment.scale-max", atLeast(0));
        r.require((scaleMin == 0) == (scaleMax == 0), "augment.scale-min",
                "and augment.scale-max (" + scaleMax + ") are both 0 (area/aspect crops) or both a training scale S");
        r.require(scaleMin <= scaleMax, "augment.scale-min", "must be <= augment.scale-max (" + scaleMax + ")");
        return new AugmentConfig(minArea, maxArea, minAspect, maxAspect,
                r.integer("augment.max-attempts", atLeast(1)),
                r.bool("augment.flip"),
                r.bool("augment.color-distortion"),
                r.number("augment.brightness-delta", new Bound(0, true, 1, true)),
                r.number("augment.saturation-lower", atLeast(0)),
                r.number("augment.saturation-upper", atLeast(0)),
                r.number("augment.hue-delta", new Bound(0, true, 0.5, true)),
                r.number("augment.contrast-lower", atLeast(0)),
                r.number("augment.contrast-upper", atLeast(0)),
                r.number("augment.eval-central-fraction", fractionAboveZero()),
                scaleMin, scaleMax);
    }

    private CheckpointConfig checkpoint() {
        return new CheckpointConfig(r.integer("checkpoint.every-steps", atLeast(1)),
                r.number("checkpoint.every-minutes", atLeast(0)),
                r.integer("checkpoint.keep", atLeast(1)));
    }

    private EvalConfig eval() {
        return new EvalConfig(r.integer("eval.every-steps", atLeast(0)), r.longInteger("eval.max-images", atLeast(0)),
                r.oneOf("eval.batch-norm-statistics", EvalConfig.BATCH_NORM_STATISTICS),
                r.longInteger("eval.batch-norm-images", atLeast(1)),
                r.oneOf("eval.mode", EvalConfig.MODES),
                denseScales(),
                r.bool("eval.dense-flip"));
    }

    /** {@code eval.dense-scales}: comma-separated test scales Q, each a shorter side in pixels. */
    private java.util.List<Integer> denseScales() {
        String text = r.string("eval.dense-scales");
        java.util.List<Integer> scales = new java.util.ArrayList<>();
        for (String q : text.split(",")) {
            int value;
            try {
                value = Integer.parseInt(q.trim());
            } catch (NumberFormatException e) {
                value = 0;
            }
            r.require(value >= ModelConfig.MIN_INPUT_SIZE, "eval.dense-scales", "'" + q.trim() + "' in \"" + text
                    + "\" is not a test scale: give comma-separated shorter sides of at least " + ModelConfig.MIN_INPUT_SIZE
                    + " pixels, e.g. \"256,384,512\"");
            if (value >= ModelConfig.MIN_INPUT_SIZE) {
                scales.add(value);
            }
        }
        return java.util.List.copyOf(scales);
    }

    private RegistryConfig registry() {
        return new RegistryConfig(r.number("registry.max-top1-error", new Bound(0, true, 1, true)),
                r.number("registry.max-regression", new Bound(0, true, 1, true)), r.bool("registry.keep-optimizer"));
    }

    private SparkConfig spark() {
        return new SparkConfig(r.nonEmptyString("spark.master"), r.nonEmptyString("spark.app-name"));
    }
}

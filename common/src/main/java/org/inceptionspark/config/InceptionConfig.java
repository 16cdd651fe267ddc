package org.inceptionspark.config;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The whole validated configuration of a run, one record per section of reference.conf. Built only
 * by {@link ConfigLoader}, so an instance has always passed validation; serializable so the driver
 * can ship it to executors.
 */
public record InceptionConfig(
        RunConfig run,
        ModelConfig model,
        ClusterConfig cluster,
        OptimizerConfig optimizer,
        MovingAverageConfig movingAverage,
        ScheduleConfig schedule,
        DataConfig data,
        AugmentConfig augment,
        CheckpointConfig checkpoint,
        EvalConfig eval,
        RegistryConfig registry,
        SparkConfig spark) implements Serializable {

    /**
     * A copy with one key changed, validated like any other configuration.
     *
     * @param key   with or without the {@code inception.} prefix, e.g. {@code "cluster.replicas"}
     * @param value anything whose {@code toString} is the value as it would be written after {@code -D}
     * @throws InvalidConfigException if the key is unknown or the value invalid
     */
    public InceptionConfig with(String key, Object value) {
        return with(Map.of(key, value));
    }

    /** A copy with another {@code inception.model} section. */
    InceptionConfig withModel(ModelConfig m) {
        return new InceptionConfig(run, m, cluster, optimizer, movingAverage, schedule, data, augment, checkpoint, eval,
                registry, spark);
    }

    /** A copy with several keys changed at once, for rules between keys (min-area <= max-area). */
    public InceptionConfig with(Map<String, ?> changes) {
        Map<String, Object> values = new LinkedHashMap<>(toMap());
        changes.forEach((k, v) -> values.put(k.startsWith(ConfigLoader.ROOT + ".") ? k : ConfigLoader.ROOT + "." + k,
                v instanceof Enum<?> e ? ValueReader.spell(e) : v));
        return ConfigLoader.fromValues(values);
    }

    /**
     * Every leaf key (full path, in reference.conf's order) with its typed value; enums are spelt as
     * in configuration files ({@code global-norm}). Loading this map back yields an equal config.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        put(m, "run.name", run.name());
        put(m, "run.dir", run.dir());
        put(m, "run.seed", run.seed());
        put(m, "run.allow-change", run.allowChange());
        put(m, "run.take-over-stale-lock", run.takeOverStaleLock());
        put(m, "run.lock-stale-seconds", run.lockStaleSeconds());

        put(m, "model.name", model.name());
        put(m, "model.input-size", model.inputSize());
        put(m, "model.classes", model.classes());
        put(m, "model.width-multiplier", model.widthMultiplier());
        put(m, "model.min-depth", model.minDepth());
        put(m, "model.aux-head", model.auxHead());
        put(m, "model.aux-loss-weight", model.auxLossWeight());
        put(m, "model.dropout-keep", model.dropoutKeep());
        put(m, "model.label-smoothing", model.labelSmoothing());
        put(m, "model.weight-decay", model.weightDecay());
        put(m, "model.batch-norm.decay", model.bnDecay());
        put(m, "model.batch-norm.epsilon", model.bnEpsilon());
        put(m, "model.batch-norm.scale", model.bnScale());
        put(m, "model.init.conv-stddev", model.convInitStddev());
        put(m, "model.init.aux-conv-stddev", model.auxConvInitStddev());
        put(m, "model.init.aux-fc-stddev", model.auxFcInitStddev());
        put(m, "model.init.fc-stddev", model.fcInitStddev());
        put(m, "model.cache-mode", ValueReader.spell(model.cacheMode()));
        put(m, "model.init-from", model.initFrom());
        put(m, "model.init-from-layers", model.initFromLayers());

        put(m, "cluster.replicas", cluster.replicas());
        put(m, "cluster.batch-per-replica", cluster.batchPerReplica());
        put(m, "cluster.combine", ValueReader.spell(cluster.combine()));
        put(m, "cluster.reduce-slices", cluster.reduceSlices());
        put(m, "cluster.replicas-per-task", cluster.replicasPerTask());
        put(m, "cluster.step-timeout", cluster.stepTimeout());
        put(m, "cluster.step-timeout-retries", cluster.stepTimeoutRetries());

        put(m, "optimizer.type", ValueReader.spell(optimizer.type()));
        put(m, "optimizer.learning-rate", optimizer.learningRate());
        put(m, "optimizer.schedule", ValueReader.spell(optimizer.schedule()));
        put(m, "optimizer.decay-factor", optimizer.decayFactor());
        put(m, "optimizer.epochs-per-decay", optimizer.epochsPerDecay());
        put(m, "optimizer.staircase", optimizer.staircase());
        put(m, "optimizer.plateau.patience", optimizer.plateauPatience());
        put(m, "optimizer.plateau.min-delta", optimizer.plateauMinDelta());
        put(m, "optimizer.plateau.max-cuts", optimizer.plateauMaxCuts());
        put(m, "optimizer.rmsprop.decay", optimizer.rmsDecay());
        put(m, "optimizer.rmsprop.momentum", optimizer.rmsMomentum());
        put(m, "optimizer.rmsprop.epsilon", optimizer.rmsEpsilon());
        put(m, "optimizer.rmsprop.initial-mean-square", optimizer.rmsInitialMeanSquare());
        put(m, "optimizer.momentum", optimizer.momentum());
        put(m, "optimizer.clip.mode", ValueReader.spell(optimizer.clipMode()));
        put(m, "optimizer.clip.threshold", optimizer.clipThreshold());

        put(m, "moving-average.enabled", movingAverage.enabled());
        put(m, "moving-average.decay", movingAverage.decay());
        put(m, "moving-average.warmup", movingAverage.warmup());
        put(m, "moving-average.polyak", movingAverage.polyak());

        put(m, "schedule.epochs", schedule.epochs());
        put(m, "schedule.max-steps", schedule.maxSteps());
        put(m, "schedule.log-every-steps", schedule.logEverySteps());
        put(m, "schedule.max-consecutive-skipped-steps", schedule.maxConsecutiveSkippedSteps());

        put(m, "data.train", data.train());
        put(m, "data.validation", data.validation());
        put(m, "data.prefetch", data.prefetch());
        put(m, "data.decode-threads", data.decodeThreads());
        put(m, "data.max-pixels", data.maxPixels());
        put(m, "data.max-side", data.maxSide());
        put(m, "data.max-skipped-fraction", data.maxSkippedFraction());

        put(m, "augment.min-area", augment.minArea());
        put(m, "augment.max-area", augment.maxArea());
        put(m, "augment.min-aspect", augment.minAspect());
        put(m, "augment.max-aspect", augment.maxAspect());
        put(m, "augment.max-attempts", augment.maxAttempts());
        put(m, "augment.flip", augment.flip());
        put(m, "augment.color-distortion", augment.colorDistortion());
        put(m, "augment.brightness-delta", augment.brightnessDelta());
        put(m, "augment.saturation-lower", augment.saturationLower());
        put(m, "augment.saturation-upper", augment.saturationUpper());
        put(m, "augment.hue-delta", augment.hueDelta());
        put(m, "augment.contrast-lower", augment.contrastLower());
        put(m, "augment.contrast-upper", augment.contrastUpper());
        put(m, "augment.eval-central-fraction", augment.evalCentralFraction());
        put(m, "augment.scale-min", augment.scaleMin());
        put(m, "augment.scale-max", augment.scaleMax());

        put(m, "checkpoint.every-steps", checkpoint.everySteps());
        put(m, "checkpoint.every-minutes", checkpoint.everyMinutes());
        put(m, "checkpoint.keep", checkpoint.keep());

        put(m, "eval.every-steps", eval.everySteps());
        put(m, "eval.max-images", eval.maxImages());
        put(m, "eval.batch-norm-statistics", eval.batchNormStatistics());
        put(m, "eval.batch-norm-images", eval.batchNormImages());
        put(m, "eval.mode", eval.mode());
        put(m, "eval.dense-scales", String.join(",", eval.denseScales().stream().map(String::valueOf).toList()));
        put(m, "eval.dense-flip", eval.denseFlip());

        put(m, "registry.max-top1-error", registry.maxTop1Error());
        put(m, "registry.max-regression", registry.maxRegression());
        put(m, "registry.keep-optimizer", registry.keepOptimizer());

        put(m, "spark.master", spark.master());
        put(m, "spark.app-name", spark.appName());
        return Collections.unmodifiableMap(m);
    }

    private static void put(Map<String, Object> m, String key, Object value) {
        m.put(ConfigLoader.ROOT + "." + key, value);
    }
}

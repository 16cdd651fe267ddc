package org.inceptionspark.config;

import java.io.Serializable;
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
        Map<String, Object> values = new LinkedHashMap<>();
        toMap().forEach((k, v) -> values.put(k, ValueReader.written(v)));
        changes.forEach((k, v) -> values.put(k.startsWith(ConfigLoader.ROOT + ".") ? k : ConfigLoader.ROOT + "." + k,
                ValueReader.written(v)));
        return ConfigLoader.fromValues(values);
    }

    /**
     * Every leaf key (full path, in reference.conf's order) with its typed value; enums are spelt as
     * in configuration files ({@code global-norm}). Derived by reading this configuration back
     * through the parser, so it holds exactly the keys the parser reads, and is right for a
     * configuration built in code as for a loaded one. Loading this map back yields an equal config.
     *
     * @throws InvalidConfigException if this configuration, built in code, holds a value no file could
     */
    public Map<String, Object> toMap() {
        return InceptionConfigParser.values(this);
    }
}

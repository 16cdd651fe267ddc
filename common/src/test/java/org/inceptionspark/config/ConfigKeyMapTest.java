package org.inceptionspark.config;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import org.deeplearning4j.nn.conf.CacheMode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link InceptionConfig#toMap()}: the key map read back through the parser, for loaded and for built configurations. */
class ConfigKeyMapTest {

    @Test
    void mapHoldsExactlyTheKeysOfReferenceConf() {
        Set<String> reference = new TreeSet<>();
        for (Map.Entry<String, ConfigValue> e : ConfigFactory.parseResources(getClass().getClassLoader(), "reference.conf")
                .withOnlyPath("inception").entrySet()) {
            reference.add(e.getKey());
        }
        Map<String, Object> map = ConfigLoader.defaults().toMap();
        Set<String> notInMap = new TreeSet<>(reference);
        notInMap.removeAll(map.keySet());
        Set<String> notInReference = new TreeSet<>(map.keySet());
        notInReference.removeAll(reference);
        assertEquals(Set.of(), notInMap, "reference.conf keys missing from the map");
        assertEquals(Set.of(), notInReference, "map keys reference.conf does not define");
        assertEquals(ConfigLoader.knownKeys(), List.copyOf(map.keySet()), "reference.conf's order");
    }

    /**
     * Each key changed alone shows in the map under that key and no other: every read names its own
     * component. (init-from-layers alone cannot change: it needs init-from; nor can
     * cluster.exchange-precision: bfloat16 needs cluster.exchange = direct, which
     * {@code bfloat16NeedsTheDirectExchangeAndIsPartOfTheMathematics} reads.)
     */
    @Test
    void eachKeyChangedAloneShowsUnderItsOwnName() {
        InceptionConfig d = ConfigLoader.defaults();
        Map<String, Object> before = d.toMap();
        List<String> changed = new ArrayList<>();
        Set<String> unchangeable = new LinkedHashSet<>();
        for (String key : before.keySet()) {
            InceptionConfig c = null;
            Object value = null;
            for (Object candidate : otherValues(before.get(key))) {
                try {
                    c = d.with(key, candidate);
                    value = candidate;
                    break;
                } catch (InvalidConfigException notAllowed) {
                    // try the next candidate
                }
            }
            if (c == null) {
                unchangeable.add(key);
                continue;
            }
            Map<String, Object> after = c.toMap();
            for (String k : before.keySet()) {
                Object expected = k.equals(key) ? value : before.get(k);
                assertTrue(same(expected, after.get(k)), "changing " + key + " to " + value + " shows " + k + " = "
                        + after.get(k) + ", expected " + expected);
            }
            changed.add(key);
        }
        assertEquals(Set.of("inception.model.init-from-layers", "inception.cluster.exchange-precision"), unchangeable,
                "keys no candidate value could change");
        assertEquals(before.size() - 2, changed.size());
    }

    private static List<Object> otherValues(Object v) {
        if (v instanceof Boolean b) {
            return List.of(!b);
        }
        if (v instanceof Integer i) {
            return List.of(i + 1, i * 2, i - 1, i == 299 ? 151 : 1);
        }
        if (v instanceof Long l) {
            return List.of(l + 1, l * 2, l - 1);
        }
        if (v instanceof Double x) {
            return List.of(x / 2, x * 2, x + 0.125, x - 0.125);
        }
        if (v instanceof Duration t) {
            return List.of(ConfigValueFormat.duration(t.plusSeconds(7)));
        }
        if (v instanceof String s) {
            List<Object> out = new ArrayList<>(STRINGS);
            out.remove(s);
            out.add(0, s + "x");
            return out;
        }
        return List.of();
    }

    /** Other values for string keys: every name, mode and enumeration constant the configuration knows, a key, scales. */
    private static final List<String> STRINGS = strings();

    private static List<String> strings() {
        List<String> out = new ArrayList<>(ModelConfig.NAMES);
        out.addAll(EvalConfig.MODES);
        out.addAll(EvalConfig.BATCH_NORM_STATISTICS);
        for (Class<? extends Enum<?>> e : List.<Class<? extends Enum<?>>>of(CacheMode.class, ClusterConfig.Combine.class, ClusterConfig.Exchange.class,
                ClusterConfig.Precision.class,
                OptimizerConfig.Type.class, OptimizerConfig.Schedule.class, OptimizerConfig.ClipMode.class)) {
            for (Enum<?> c : e.getEnumConstants()) {
                out.add(ValueReader.spell(c));
            }
        }
        out.add("cluster.replicas");
        out.add("256,384");
        return out;
    }

    private static boolean same(Object expected, Object actual) {
        if (expected instanceof Number x && actual instanceof Number y) {
            return x.doubleValue() == y.doubleValue();
        }
        return String.valueOf(ValueReader.written(expected)).equals(String.valueOf(ValueReader.written(actual)));
    }

    /** A configuration assembled from records, not loaded: its map follows the records, never the defaults'. */
    @Test
    void mapOfAConfigurationBuiltInCodeFollowsItsRecords() {
        InceptionConfig d = ConfigLoader.defaults();
        ModelConfig m = d.model();
        ModelConfig vgg = new ModelConfig("vgg_a", 224, 7, 0.5, 8, false, 0.0, 0.5, 0.0, 5e-4, m.bnDecay(), m.bnEpsilon(),
                true, 0.02, 0.03, 0.04, 0.05, CacheMode.NONE, "", "");
        AugmentConfig a = d.augment();
        AugmentConfig scales = new AugmentConfig(a.minArea(), a.maxArea(), a.minAspect(), a.maxAspect(), a.maxAttempts(),
                false, false, a.brightnessDelta(), a.saturationLower(), a.saturationUpper(), a.hueDelta(), a.contrastLower(),
                a.contrastUpper(), a.evalCentralFraction(), 256, 512);
        EvalConfig e = d.eval();
        EvalConfig dense = new EvalConfig(e.everySteps(), e.maxImages(), e.batchNormStatistics(), e.batchNormImages(),
                EvalConfig.DENSE, List.of(256, 384), true);
        InceptionConfig built = new InceptionConfig(d.run(), vgg, d.cluster(), d.optimizer(), d.movingAverage(),
                d.schedule(), d.data(), scales, new CheckpointConfig(7, 2.5, 3), dense, d.registry(), d.spark());

        Map<String, Object> map = built.toMap();
        assertEquals("vgg_a", map.get("inception.model.name"));
        assertEquals(7, map.get("inception.model.classes"));
        assertEquals(0.04, map.get("inception.model.init.aux-fc-stddev"));
        assertEquals("none", map.get("inception.model.cache-mode"));
        assertEquals(512, map.get("inception.augment.scale-max"));
        assertEquals(false, map.get("inception.augment.flip"));
        assertEquals(2.5, map.get("inception.checkpoint.every-minutes"));
        assertEquals("256,384", map.get("inception.eval.dense-scales"));
        assertEquals(built, ConfigLoader.fromValues(map));

        // withModel and ModelConfig.with build records in code too.
        assertEquals(vgg, d.withModel(vgg).model());
        assertEquals(0.03, d.withModel(vgg).toMap().get("inception.model.init.aux-conv-stddev"));
        ModelConfig narrower = vgg.with("width-multiplier", 0.25);
        assertEquals(0.25, narrower.widthMultiplier());
        assertEquals(vgg.with("width-multiplier", 0.5), vgg);
    }

    @Test
    void configurationBuiltInCodeWithAValueNoFileMayHoldIsRefusedNamingTheKey() {
        InceptionConfig d = ConfigLoader.defaults();
        InceptionConfig built = new InceptionConfig(d.run(), d.model(), d.cluster(), d.optimizer(), d.movingAverage(),
                d.schedule(), d.data(), d.augment(), new CheckpointConfig(0, 0, 1), d.eval(), d.registry(), d.spark());
        InvalidConfigException e = assertThrows(InvalidConfigException.class, built::toMap);
        assertEquals(1, e.errors().size(), e.getMessage());
        assertEquals("inception.checkpoint.every-steps", e.errors().get(0).key());
        assertThrows(InvalidConfigException.class, () -> built.with("cluster.replicas", 2));
    }

    @Test
    void denseScalesAreMappedAsReadNotAsTyped() {
        InceptionConfig c = ConfigLoader.load(null, Map.of("inception.eval.dense-scales", "256, 384 ,512")).config();
        assertEquals(List.of(256, 384, 512), c.eval().denseScales());
        assertEquals("256,384,512", c.toMap().get("inception.eval.dense-scales"));
    }

    @Test
    void subMillisecondDurationsReadBackExactly() {
        InceptionConfig c = ConfigLoader.load(null, Map.of("inception.cluster.step-timeout", "1500us")).config();
        assertEquals(Duration.ofNanos(1_500_000), c.cluster().stepTimeout());
        assertEquals(Duration.ofNanos(1_500_000), c.toMap().get("inception.cluster.step-timeout"));
        InceptionConfig odd = ConfigLoader.load(null, Map.of("inception.cluster.step-timeout", "1234ns")).config();
        assertEquals(Duration.ofNanos(1234), odd.toMap().get("inception.cluster.step-timeout"));
        assertEquals(odd, odd.with(Map.of()));
    }
}

package org.inceptionspark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Builds the configuration from three layers, later ones winning: common's reference.conf, an
 * optional {@code --config} file, then {@code -Dinception.key=value} overrides. Everything is
 * validated before anything is returned, and every problem is reported at once.
 *
 * <p>Unknown keys are errors rather than ignored, because a misspelt key otherwise leaves the default
 * in place silently, and a 50-replica run is too expensive to find that out afterwards.
 */
public final class ConfigLoader {
    static final String ROOT = "inception";

    private static final String REFERENCE_RESOURCE = "reference.conf";
    /** The reference layer, restricted to our root: other libraries' reference.conf files are not ours to check. */
    private static final Config REFERENCE =
            ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(), REFERENCE_RESOURCE)
                    .withOnlyPath(ROOT).resolve();
    /** Every valid leaf key, in reference.conf's order. */
    private static final Map<String, ConfigValue> REFERENCE_LEAVES = referenceLeaves();

    private static volatile InceptionConfig defaults;

    private ConfigLoader() {
    }

    /**
     * @param file      a HOCON file ({@code --config}), or null for none
     * @param overrides full keys ({@code inception.cluster.replicas}) to values as typed after {@code -D}
     * @throws InvalidConfigException listing every unknown key, wrong type and out-of-range value
     */
    public static LoadedConfig load(Path file, Map<String, String> overrides) {
        return loadLayers(file, overrides);
    }

    /** reference.conf alone. */
    public static InceptionConfig defaults() {
        InceptionConfig d = defaults;
        if (d == null) {
            d = loadLayers(null, Map.of()).config();
            defaults = d;
        }
        return d;
    }

    /** Every valid leaf key (full path), in reference.conf's order. */
    public static List<String> knownKeys() {
        return List.copyOf(REFERENCE_LEAVES.keySet());
    }

    /** Typed values as overrides over reference.conf: how {@link InceptionConfig#with} re-validates. */
    static InceptionConfig fromValues(Map<String, ?> values) {
        return loadLayers(null, values).config();
    }

    private static LoadedConfig loadLayers(Path file, Map<String, ?> overrides) {
        List<ConfigError> errors = new ArrayList<>();
        Set<String> brokenSections = new LinkedHashSet<>();

        Config fileLayer = ConfigFactory.empty();
        Map<String, ConfigValue> fileLeaves = Map.of();
        if (file != null) {
            fileLayer = parseFile(file, errors);
            fileLeaves = leaves(fileLayer.root());
            Map<String, ConfigValue> leaves = fileLeaves;
            checkKeys(fileLeaves, key -> describe(leaves.get(key).origin()), errors, brokenSections);
        }

        Config overrideLayer = ConfigFactory.empty();
        Map<String, ConfigValue> overrideLeaves = Map.of();
        try {
            overrideLayer = ConfigFactory.parseMap(overrides, "-D overrides");
            overrideLeaves = leaves(overrideLayer.root());
            Map<String, ConfigValue> leaves = overrideLeaves;
            checkKeys(overrideLeaves, key -> overrideOrigin(key, overrides, leaves), errors, brokenSections);
        } catch (ConfigException e) {
            errors.add(new ConfigError("-D", ConfigError.Kind.UNREADABLE, "overrides " + overrides + ": " + e.getMessage()));
        }

        Config resolved;
        try {
            resolved = overrideLayer.withFallback(fileLayer).withFallback(REFERENCE).resolve();
        } catch (ConfigException e) {
            errors.add(new ConfigError(String.valueOf(file), ConfigError.Kind.UNREADABLE, e.getMessage()));
            throw new InvalidConfigException(errors);
        }

        Map<String, ValueOrigin> origins = origins(fileLeaves, overrideLeaves, overrides);
        ValueReader reader = new ValueReader(resolved, origins, brokenSections);
        InceptionConfig config = new InceptionConfigParser(reader).parse();
        errors.addAll(reader.errors());
        if (!errors.isEmpty()) {
            throw new InvalidConfigException(errors);
        }
        return new LoadedConfig(config, resolved, origins);
    }

    private static Config parseFile(Path file, List<ConfigError> errors) {
        if (!Files.isRegularFile(file)) {
            errors.add(new ConfigError(file.toString(), ConfigError.Kind.UNREADABLE,
                    "--config " + file + ": no such file"));
            return ConfigFactory.empty();
        }
        try {
            return ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
        } catch (ConfigException e) {
            errors.add(new ConfigError(file.toString(), ConfigError.Kind.UNREADABLE,
                    "--config " + file + " cannot be parsed: " + e.getMessage()));
            return ConfigFactory.empty();
        }
    }

    /** Reports keys of a user layer that reference.conf does not define, and sections replaced by a plain value. */
    private static void checkKeys(Map<String, ConfigValue> layerLeaves, Function<String, String> originOf,
                                  List<ConfigError> errors, Set<String> brokenSections) {
        for (Map.Entry<String, ConfigValue> leaf : layerLeaves.entrySet()) {
            String key = leaf.getKey();
            if (REFERENCE_LEAVES.containsKey(key)) {
                continue;
            }
            String where = " (from " + originOf.apply(key) + ")";
            List<String> children = REFERENCE_LEAVES.keySet().stream()
                    .filter(k -> k.startsWith(key + ".")).map(k -> k.substring(key.length() + 1))
                    .collect(Collectors.toList());
            if (!children.isEmpty()) {
                brokenSections.add(key);
                errors.add(new ConfigError(key, ConfigError.Kind.WRONG_TYPE, key + " = " + ValueReader.show(leaf.getValue())
                        + where + ": wrong type, " + key + " is a section; set its keys instead: " + String.join(", ", children)));
            } else {
                errors.add(new ConfigError(key, ConfigError.Kind.UNKNOWN_KEY, key + where
                        + ": unknown key; did you mean " + NearestKey.to(key, REFERENCE_LEAVES.keySet()) + "?"));
            }
        }
    }

    private static Map<String, ValueOrigin> origins(Map<String, ConfigValue> fileLeaves,
                                                    Map<String, ConfigValue> overrideLeaves, Map<String, ?> overrides) {
        Map<String, ValueOrigin> origins = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> ref : REFERENCE_LEAVES.entrySet()) {
            String key = ref.getKey();
            if (overrideLeaves.containsKey(key)) {
                origins.put(key, new ValueOrigin(ValueOrigin.Layer.OVERRIDE, overrideOrigin(key, overrides, overrideLeaves)));
            } else if (fileLeaves.containsKey(key)) {
                origins.put(key, new ValueOrigin(ValueOrigin.Layer.FILE, describe(fileLeaves.get(key).origin())));
            } else {
                origins.put(key, new ValueOrigin(ValueOrigin.Layer.REFERENCE,
                        REFERENCE_RESOURCE + ":" + ref.getValue().origin().lineNumber()));
            }
        }
        return origins;
    }

    /** As the user typed it: {@code -Dinception.cluster.replicas=8}. */
    private static String overrideOrigin(String key, Map<String, ?> overrides, Map<String, ConfigValue> overrideLeaves) {
        Object value = overrides.containsKey(key) ? overrides.get(key) : overrideLeaves.get(key).unwrapped();
        return "-D" + key + "=" + value;
    }

    private static String describe(ConfigOrigin origin) {
        if (origin.filename() != null) {
            return origin.filename() + ":" + origin.lineNumber();
        }
        return origin.description();
    }

    private static Map<String, ConfigValue> referenceLeaves() {
        Map<String, ConfigValue> byPath = leaves(REFERENCE.root());
        Map<String, ConfigValue> ordered = new LinkedHashMap<>();
        byPath.entrySet().stream()
                .sorted(Comparator.comparingInt((Map.Entry<String, ConfigValue> e) -> e.getValue().origin().lineNumber()))
                .forEach(e -> ordered.put(e.getKey(), e.getValue()));
        return ordered;
    }

    /** Full path -> value of every non-object value, walking the tree without resolving it. */
    private static Map<String, ConfigValue> leaves(ConfigObject root) {
        Map<String, ConfigValue> out = new TreeMap<>();
        collect(root, new ArrayList<>(), out);
        return out;
    }

    private static void collect(ConfigObject obj, List<String> prefix, Map<String, ConfigValue> out) {
        for (Map.Entry<String, ConfigValue> e : obj.entrySet()) {
            List<String> path = new ArrayList<>(prefix);
            path.add(e.getKey());
            if (e.getValue() instanceof ConfigObject child) {
                collect(child, path, out);
            } else {
                out.put(ConfigUtil.joinPath(path), e.getValue());
            }
        }
    }
}

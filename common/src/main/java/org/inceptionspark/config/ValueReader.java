package org.inceptionspark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Reads typed values out of a resolved configuration, collecting every problem instead of stopping
 * at the first. Keys are given relative to {@code inception.}; messages name the full path, the bad
 * value, the layer it came from and what is allowed. A read that fails returns a placeholder: the
 * caller throws before anything sees it.
 *
 * <p>Each read names, beside its key, the component of {@link InceptionConfig} the value ends up
 * in, and every read value is {@linkplain #values() kept}. {@link #of(InceptionConfig)} reads a
 * configuration built in code back through the same reads, taking each value from that component:
 * so the key map of any configuration is what the parser reads, keys are spelt only in the parser,
 * and no map can go stale against the records.
 */
final class ValueReader {
    /** Where a key's value lives in a configuration: {@code c -> c.model().classes()}. */
    interface Field extends Function<InceptionConfig, Object> {
    }

    private Config raw;
    /** Non-null when reading a configuration back rather than a file: values come from its fields. */
    private final InceptionConfig source;
    private final Map<String, ValueOrigin> origins;
    /** Sections the loader already reported as overwritten by a plain value; their keys are not re-reported as missing. */
    private final Set<String> brokenSections;
    private final List<ConfigError> errors = new ArrayList<>();
    private final Map<String, Object> values = new LinkedHashMap<>();

    ValueReader(Config raw, Map<String, ValueOrigin> origins, Set<String> brokenSections) {
        this(raw, null, origins, brokenSections);
    }

    private ValueReader(Config raw, InceptionConfig source, Map<String, ValueOrigin> origins, Set<String> brokenSections) {
        this.raw = raw;
        this.source = source;
        this.origins = origins;
        this.brokenSections = brokenSections;
    }

    /** A reader whose values are those of {@code config}'s fields, written as a configuration file would write them. */
    static ValueReader of(InceptionConfig config) {
        return new ValueReader(ConfigFactory.empty(), java.util.Objects.requireNonNull(config), Map.of(), Set.of());
    }

    List<ConfigError> errors() {
        return errors;
    }

    /**
     * Every key read so far (full path, in the order read) with the value it produced: numbers as
     * {@code Integer}, {@code Long} or {@code Double}, enums spelt as in files ({@code global-norm}),
     * durations as {@code Duration}.
     */
    Map<String, Object> values() {
        return Collections.unmodifiableMap(values);
    }

    /** Keeps {@code value} as what {@code key} produced, for a value the caller normalises (a list read as text). */
    void keep(String key, Object value) {
        values.put(full(key), value);
    }

    String string(String key, Field field) {
        return kept(key, text(key, field));
    }

    private String text(String key, Field field) {
        ConfigValue v = value(key, field, "a string");
        if (v == null) {
            return "";
        }
        if (v.valueType() == ConfigValueType.OBJECT || v.valueType() == ConfigValueType.LIST) {
            wrongType(key, v, "a string");
            return "";
        }
        return String.valueOf(v.unwrapped());
    }

    String nonEmptyString(String key, Field field) {
        String s = string(key, field);
        if (s.isBlank() && raw.hasPath(full(key))) {
            outOfRange(key, "must not be empty");
        }
        return s;
    }

    String oneOf(String key, Field field, List<String> allowed) {
        String s = string(key, field);
        if (raw.hasPath(full(key)) && !allowed.contains(s)) {
            outOfRange(key, "must be one of " + String.join(", ", allowed));
        }
        return s;
    }

    boolean bool(String key, Field field) {
        return kept(key, flag(key, field));
    }

    private boolean flag(String key, Field field) {
        ConfigValue v = value(key, field, "a boolean");
        if (v == null) {
            return false;
        }
        if (v.valueType() == ConfigValueType.BOOLEAN) {
            return (Boolean) v.unwrapped();
        }
        if (v.valueType() == ConfigValueType.STRING) {
            switch (((String) v.unwrapped()).trim().toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on" -> {
                    return true;
                }
                case "false", "no", "off" -> {
                    return false;
                }
                default -> {
                }
            }
        }
        wrongType(key, v, "a boolean (true or false)");
        return false;
    }

    double number(String key, Field field, Bound bound) {
        BigDecimal d = decimal(key, field, "a number");
        if (d == null) {
            return kept(key, 0.0);
        }
        double x = d.doubleValue();
        if (!bound.contains(x)) {
            outOfRange(key, "must be " + bound.describe());
        }
        return kept(key, x);
    }

    int integer(String key, Field field, Bound bound) {
        long l = whole(key, field, bound);
        if (l != (int) l) {
            outOfRange(key, "must fit a 32-bit integer");
            return kept(key, 0);
        }
        return kept(key, (int) l);
    }

    long longInteger(String key, Field field, Bound bound) {
        return kept(key, whole(key, field, bound));
    }

    private long whole(String key, Field field, Bound bound) {
        BigDecimal d = decimal(key, field, "an integer");
        if (d == null) {
            return 0;
        }
        long l;
        try {
            l = d.stripTrailingZeros().longValueExact();
        } catch (ArithmeticException notWhole) {
            wrongType(key, raw.getValue(full(key)), "an integer");
            return 0;
        }
        if (!bound.contains(l)) {
            outOfRange(key, "must be " + bound.describe());
        }
        return l;
    }

    /** Enum constants are written in lower case with dashes: {@code GLOBAL_NORM} is {@code global-norm}. */
    <E extends Enum<E>> E choice(String key, Field field, Class<E> type) {
        E e = constant(key, field, type);
        keep(key, spell(e));
        return e;
    }

    private <E extends Enum<E>> E constant(String key, Field field, Class<E> type) {
        E[] constants = type.getEnumConstants();
        String allowed = Arrays.stream(constants).map(ValueReader::spell).collect(Collectors.joining(", "));
        ConfigValue v = value(key, field, "one of " + allowed);
        if (v == null) {
            return constants[0];
        }
        if (v.valueType() == ConfigValueType.STRING) {
            String normalised = ((String) v.unwrapped()).trim().toUpperCase(Locale.ROOT).replace('-', '_');
            for (E c : constants) {
                if (c.name().equals(normalised)) {
                    return c;
                }
            }
            outOfRange(key, "must be one of " + allowed);
        } else {
            wrongType(key, v, "one of " + allowed);
        }
        return constants[0];
    }

    /** A rule between several keys; reported against {@code key}. */
    void require(boolean holds, String key, String rule) {
        if (!holds) {
            outOfRange(key, rule);
        }
    }

    /** A HOCON duration ({@code 30m}, {@code 90s}, {@code 0}), at least zero. */
    java.time.Duration duration(String key, Field field) {
        return kept(key, period(key, field));
    }

    private java.time.Duration period(String key, Field field) {
        String expected = "a duration such as 30m, 90s or 0";
        ConfigValue v = value(key, field, expected);
        if (v == null) {
            return java.time.Duration.ZERO;
        }
        try {
            java.time.Duration d = raw.getDuration(full(key));
            if (d.isNegative()) {
                outOfRange(key, "must not be negative");
                return java.time.Duration.ZERO;
            }
            return d;
        } catch (com.typesafe.config.ConfigException e) {
            wrongType(key, v, expected);
            return java.time.Duration.ZERO;
        }
    }

    static String spell(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static String full(String key) {
        return ConfigLoader.ROOT + "." + key;
    }

    private <T> T kept(String key, T value) {
        keep(key, value);
        return value;
    }

    private BigDecimal decimal(String key, Field field, String expected) {
        ConfigValue v = value(key, field, expected);
        if (v == null) {
            return null;
        }
        if (v.valueType() == ConfigValueType.NUMBER || v.valueType() == ConfigValueType.STRING) {
            try {
                return new BigDecimal(String.valueOf(v.unwrapped()).trim());
            } catch (NumberFormatException notANumber) {
                // reported below
            }
        }
        wrongType(key, v, expected);
        return null;
    }

    private ConfigValue value(String key, Field field, String expected) {
        String path = full(key);
        if (source != null && !raw.hasPath(path)) {
            Object v = field.apply(source);
            if (v != null) {
                raw = raw.withValue(path, ConfigValueFactory.fromAnyRef(written(v), "the configuration's " + path));
            }
        }
        if (raw.hasPath(path)) {
            return raw.getValue(path);
        }
        boolean underBrokenSection = brokenSections.stream().anyMatch(s -> path.startsWith(s + "."));
        if (!underBrokenSection) {
            errors.add(new ConfigError(path, ConfigError.Kind.WRONG_TYPE,
                    path + " is null or missing" + from(path) + "; expected " + expected));
        }
        return null;
    }

    /**
     * A value as a configuration file writes it (enums spelt, durations in HOCON's units, exactly), so
     * reading it back takes the file's path.
     */
    static Object written(Object v) {
        if (v instanceof Enum<?> e) {
            return spell(e);
        }
        if (v instanceof java.time.Duration d) {
            return d.toNanos() % 1_000_000 == 0 ? ConfigValueFormat.duration(d) : d.toNanos() + "ns";
        }
        return v;
    }

    private void wrongType(String key, ConfigValue v, String expected) {
        String path = full(key);
        errors.add(new ConfigError(path, ConfigError.Kind.WRONG_TYPE,
                path + " = " + show(v) + from(path) + ": wrong type (" + typeName(v) + "), expected " + expected));
    }

    private void outOfRange(String key, String allowed) {
        String path = full(key);
        errors.add(new ConfigError(path, ConfigError.Kind.OUT_OF_RANGE,
                path + " = " + show(raw.getValue(path)) + from(path) + ": " + allowed));
    }

    private String from(String path) {
        ValueOrigin o = origins.get(path);
        return o == null ? "" : " (from " + o.description() + ")";
    }

    private static String typeName(ConfigValue v) {
        return v.valueType().name().toLowerCase(Locale.ROOT);
    }

    /** Override values all arrive as strings; show "-1" as -1 so the message reads like what was typed. */
    static String show(ConfigValue v) {
        if (v.valueType() != ConfigValueType.STRING) {
            return v.render(com.typesafe.config.ConfigRenderOptions.concise());
        }
        String s = (String) v.unwrapped();
        boolean looksTyped = s.equals("true") || s.equals("false") || s.matches("-?[0-9][0-9.eE+-]*");
        return looksTyped ? s : "\"" + s + "\"";
    }
}

package org.inceptionspark.driver.cli;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Parsed command line of one sub-command: {@code --name value} options, {@code --flag} switches,
 * {@code -Dkey=value} configuration overrides (the {@code inception.} prefix is optional) and
 * positional arguments. Unknown options are rejected so a typo never silently does nothing.
 */
public final class CliArgs {
    private final Map<String, String> options;
    private final Map<String, String> overrides;
    private final List<String> positional;

    private CliArgs(Map<String, String> options, Map<String, String> overrides, List<String> positional) {
        this.options = options;
        this.overrides = overrides;
        this.positional = positional;
    }

    /**
     * @param valued options that take a value (without the leading dashes)
     * @param flags  options that take none
     */
    public static CliArgs parse(String[] args, Set<String> valued, Set<String> flags) {
        Map<String, String> options = new LinkedHashMap<>();
        Map<String, String> overrides = new LinkedHashMap<>();
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("-D") && a.length() > 2) {
                int eq = a.indexOf('=');
                if (eq < 0) {
                    throw new IllegalArgumentException("override '" + a + "' has no value: write -Dkey=value");
                }
                String key = a.substring(2, eq);
                overrides.put(key.startsWith("inception.") ? key : "inception." + key, a.substring(eq + 1));
            } else if (a.startsWith("--")) {
                String name = a.substring(2);
                String inlineValue = null;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    inlineValue = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                if (valued.contains(name)) {
                    if (inlineValue == null) {
                        if (i + 1 >= args.length) {
                            throw new IllegalArgumentException("option --" + name + " needs a value");
                        }
                        inlineValue = args[++i];
                    }
                    options.put(name, inlineValue);
                } else if (flags.contains(name) && inlineValue == null) {
                    options.put(name, "true");
                } else {
                    Set<String> all = new java.util.TreeSet<>(valued);
                    all.addAll(flags);
                    throw new IllegalArgumentException("unknown option --" + name + "; allowed: --" + String.join(", --", all));
                }
            } else {
                positional.add(a);
            }
        }
        return new CliArgs(Collections.unmodifiableMap(options), Collections.unmodifiableMap(overrides),
                Collections.unmodifiableList(positional));
    }

    public Optional<String> option(String name) {
        return Optional.ofNullable(options.get(name));
    }

    public String require(String name) {
        String v = options.get(name);
        if (v == null) {
            throw new IllegalArgumentException("missing required option --" + name);
        }
        return v;
    }

    public boolean flag(String name) {
        return options.containsKey(name);
    }

    public int intOption(String name, int dflt) {
        return parsed(name, dflt, Integer::parseInt, "an integer");
    }

    public double doubleOption(String name, double dflt) {
        return parsed(name, dflt, Double::parseDouble, "a number");
    }

    /**
     * One of {@code dflt}'s enumeration's constants, spelled as the configuration spells them (lower
     * case, dashes: {@code GLOBAL_NORM} is {@code global-norm}), case ignored; {@code dflt} when absent.
     */
    public <E extends Enum<E>> E choice(String name, E dflt) {
        String v = options.get(name);
        if (v == null) {
            return dflt;
        }
        E[] all = dflt.getDeclaringClass().getEnumConstants();
        for (E e : all) {
            if (e.name().equalsIgnoreCase(v.trim().replace('-', '_'))) {
                return e;
            }
        }
        throw new IllegalArgumentException("--" + name + " must be one of " + java.util.Arrays.stream(all)
                .map(e -> e.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'))
                .collect(java.util.stream.Collectors.joining(", ")) + ", got " + v);
    }

    private <T> T parsed(String name, T dflt, Function<String, T> parse, String what) {
        String v = options.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            return parse.apply(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option --" + name + " must be " + what + ", got '" + v + "'");
        }
    }

    /** Configuration overrides, keys always prefixed with {@code inception.}. */
    public Map<String, String> overrides() {
        return overrides;
    }

    public List<String> positional() {
        return positional;
    }
}

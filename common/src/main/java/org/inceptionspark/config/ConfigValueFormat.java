package org.inceptionspark.config;

/** How configuration values are shown to users: as they would be written in a .conf file. */
public final class ConfigValueFormat {
    private ConfigValueFormat() {
    }

    public static String format(Object value) {
        if (value instanceof String s) {
            return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        }
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            // 4.0E-5 is a valid HOCON number but 4e-5 is how the recipe writes it.
            String s = Double.toString(d);
            return s.contains("E") ? s.replace(".0E", "e").replace("E", "e") : s;
        }
        if (value instanceof Enum<?> e) {
            return format(ValueReader.spell(e));
        }
        if (value instanceof java.time.Duration d) {
            return duration(d);
        }
        return String.valueOf(value);
    }

    /** A duration as HOCON writes it, in its largest whole unit: {@code 30m}, {@code 90s}. */
    public static String duration(java.time.Duration d) {
        if (d.toNanos() % 1_000_000_000L != 0) {
            return d.toMillis() + "ms";
        }
        long s = d.toSeconds();
        if (s != 0 && s % 3600 == 0) {
            return s / 3600 + "h";
        }
        return s != 0 && s % 60 == 0 ? s / 60 + "m" : s + "s";
    }
}

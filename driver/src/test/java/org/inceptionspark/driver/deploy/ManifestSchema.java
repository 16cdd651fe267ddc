package org.inceptionspark.driver.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A small structural schema for Kubernetes custom resources (deploy/kubernetes/v1beta2-schema.yaml):
 * named object types with fields that have a type, and optionally required, enum, pattern,
 * minimum and maximum. Validation lists every error with the field's path.
 */
final class ManifestSchema {
    private final Map<String, Object> roots;
    private final Map<String, Map<String, Map<String, Object>>> types;

    @SuppressWarnings("unchecked")
    private ManifestSchema(Map<String, Object> doc) {
        this.roots = (Map<String, Object>) doc.get("roots");
        this.types = (Map<String, Map<String, Map<String, Object>>>) doc.get("types");
    }

    static ManifestSchema of(Map<String, Object> doc) {
        return new ManifestSchema(doc);
    }

    List<String> validate(Map<String, Object> manifest) {
        List<String> errors = new ArrayList<>();
        Object kind = manifest.get("kind");
        if (!roots.containsKey(String.valueOf(kind))) {
            errors.add("kind: '" + kind + "' is not one of " + roots.keySet());
            return errors;
        }
        object("", manifest, (String) roots.get(kind), errors);
        return errors;
    }

    @SuppressWarnings("unchecked")
    private void object(String path, Object value, String typeName, List<String> errors) {
        if (!(value instanceof Map<?, ?> m)) {
            errors.add(name(path) + ": expected an object (" + typeName + ")");
            return;
        }
        Map<String, Map<String, Object>> fields = types.get(typeName);
        for (Map.Entry<String, Map<String, Object>> f : fields.entrySet()) {
            if (Boolean.TRUE.equals(f.getValue().get("required")) && !m.containsKey(f.getKey())) {
                errors.add(path + f.getKey() + ": required");
            }
        }
        for (Map.Entry<String, Object> e : ((Map<String, Object>) m).entrySet()) {
            Map<String, Object> field = fields.get(e.getKey());
            if (field == null) {
                errors.add(path + e.getKey() + ": no such field in " + typeName);
            } else {
                field(path + e.getKey(), e.getValue(), field, errors);
            }
        }
    }

    private void field(String path, Object value, Map<String, Object> field, List<String> errors) {
        String type = (String) field.get("type");
        if (type.startsWith("list:")) {
            if (!(value instanceof List<?> list)) {
                errors.add(path + ": expected a list");
                return;
            }
            Map<String, Object> element = Map.of("type", type.substring(5));
            for (int i = 0; i < list.size(); i++) {
                field(path + "[" + i + "]", list.get(i), element, errors);
            }
            return;
        }
        switch (type) {
            case "string" -> {
                if (!(value instanceof String s)) {
                    errors.add(path + ": '" + value + "' is not a string (quote it)");
                } else if (field.containsKey("pattern") && !s.matches((String) field.get("pattern"))) {
                    errors.add(path + ": '" + s + "' does not match " + field.get("pattern"));
                }
            }
            case "boolean" -> {
                if (!(value instanceof Boolean)) {
                    errors.add(path + ": '" + value + "' is not a boolean");
                }
            }
            case "int32", "int64" -> {
                boolean fits = value instanceof Integer || (type.equals("int64") && value instanceof Long);
                if (!fits) {
                    errors.add(path + ": '" + value + "' is not an " + type);
                } else {
                    long v = ((Number) value).longValue();
                    if (field.containsKey("minimum") && v < ((Number) field.get("minimum")).longValue()) {
                        errors.add(path + ": " + v + " is below the minimum " + field.get("minimum"));
                    }
                    if (field.containsKey("maximum") && v > ((Number) field.get("maximum")).longValue()) {
                        errors.add(path + ": " + v + " is above the maximum " + field.get("maximum"));
                    }
                }
            }
            case "map" -> {
                if (!(value instanceof Map<?, ?> m)) {
                    errors.add(path + ": expected a map of strings");
                } else {
                    m.forEach((k, v) -> {
                        if (!(v instanceof String)) {
                            errors.add(path + "." + k + ": '" + v + "' is not a string (quote it)");
                        }
                    });
                }
            }
            default -> {
                if (!types.containsKey(type)) {
                    throw new IllegalStateException("schema names unknown type " + type + " at " + path);
                }
                object(path + ".", value, type, errors);
                return;
            }
        }
        if (field.containsKey("enum") && !((List<?>) field.get("enum")).contains(value)) {
            errors.add(path + ": '" + value + "' is not one of " + field.get("enum"));
        }
    }

    private static String name(String path) {
        return path.isEmpty() ? "(document)" : path.substring(0, path.length() - 1);
    }
}

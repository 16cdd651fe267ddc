package org.inceptionspark.config;

import java.util.List;
import java.util.stream.Collectors;

/** Every problem of one configuration at once, so a user fixes them in one go rather than one per run. */
public final class InvalidConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final List<ConfigError> errors;

    public InvalidConfigException(List<ConfigError> errors) {
        super(render(errors));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("an InvalidConfigException needs at least one error");
        }
        this.errors = List.copyOf(errors);
    }

    public List<ConfigError> errors() {
        return errors;
    }

    private static String render(List<ConfigError> errors) {
        String header = "invalid configuration (" + errors.size() + (errors.size() == 1 ? " error" : " errors") + "):";
        return errors.stream().map(e -> "  - " + e.message()).collect(Collectors.joining("\n", header + "\n", ""));
    }
}

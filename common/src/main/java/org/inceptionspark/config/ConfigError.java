package org.inceptionspark.config;

import java.io.Serializable;

/**
 * One problem found in a configuration.
 *
 * @param key     full key path ({@code inception.cluster.batch-per-replica}), or the file for file-level problems
 * @param kind    what class of problem it is, so callers and tests need not parse messages
 * @param message the whole human-readable line: key, bad value, where it came from, what is allowed
 */
public record ConfigError(String key, Kind kind, String message) implements Serializable {

    public enum Kind {
        /** A key no section defines (usually a typo); the message names the nearest valid key. */
        UNKNOWN_KEY,
        /** A value that cannot be read as the key's type, or a value set on a whole section. */
        WRONG_TYPE,
        /** A value of the right type outside the allowed range or set. */
        OUT_OF_RANGE,
        /** The file cannot be read or parsed, or a substitution does not resolve. */
        UNREADABLE
    }

    @Override
    public String toString() {
        return message;
    }
}

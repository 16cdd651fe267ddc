package org.inceptionspark.config;

import java.io.Serializable;

/** {@code inception.run}: where a run's outputs go, the seed of all its randomness, and what may change on resume. */
public record RunConfig(String name, String dir, long seed, String allowChange, boolean takeOverStaleLock,
                        int lockStaleSeconds) implements Serializable {
    /** {@code run.allow-change} as key names with the {@code inception.} prefix. */
    public java.util.Set<String> allowedChanges() {
        java.util.Set<String> keys = new java.util.LinkedHashSet<>();
        for (String k : allowChange.split(",")) {
            String t = k.trim();
            if (!t.isEmpty()) {
                keys.add(t.startsWith(ConfigLoader.ROOT + ".") ? t : ConfigLoader.ROOT + "." + t);
            }
        }
        return keys;
    }
}

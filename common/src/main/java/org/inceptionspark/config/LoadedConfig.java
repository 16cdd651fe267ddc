package org.inceptionspark.config;

import com.typesafe.config.Config;

import java.util.List;
import java.util.Map;

/**
 * The outcome of {@link ConfigLoader#load}: the typed configuration, the resolved Typesafe tree it
 * was read from, and for every leaf key the layer its value came from.
 *
 * @param raw     the resolved tree, rooted above {@code inception} (so paths start with {@code inception.})
 * @param origins full leaf key -> origin, in reference.conf's key order
 */
public record LoadedConfig(InceptionConfig config, Config raw, Map<String, ValueOrigin> origins) {

    /** Every leaf key, full path, in reference.conf's order. */
    public List<String> keys() {
        return List.copyOf(origins.keySet());
    }

    /** @param key with or without the {@code inception.} prefix */
    public ValueOrigin origin(String key) {
        String path = key.startsWith(ConfigLoader.ROOT + ".") ? key : ConfigLoader.ROOT + "." + key;
        ValueOrigin o = origins.get(path);
        if (o == null) {
            throw new IllegalArgumentException("no configuration key " + path);
        }
        return o;
    }
}

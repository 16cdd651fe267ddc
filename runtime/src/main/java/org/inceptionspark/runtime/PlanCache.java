package org.inceptionspark.runtime;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A layer's oneDNN plans by shape, each built on first use and kept. A shape oneDNN refuses, or
 * whose plan cannot be built or fails its buffer check, is remembered (and logged once, naming
 * the layer), and the layer's DL4J helper runs it from then on: an unsupported case costs speed,
 * never a native crash.
 */
final class PlanCache<S, P> {
    /**
     * System property: {@code true} makes a failed buffer check an error instead of a fallback
     * (the test suite sets it, so a size bug fails a test rather than hiding behind DL4J's path).
     */
    static final String STRICT = "inception.onednn.strict";

    private static final Logger LOG = LoggerFactory.getLogger(PlanCache.class);

    private final Map<S, Optional<P>> plans = new ConcurrentHashMap<>();
    private final Function<S, P> build;
    private final Function<P, String> implementations;
    private final String layer;

    PlanCache(String layer, Function<S, P> build, Function<P, String> implementations) {
        this.layer = layer;
        this.build = build;
        this.implementations = implementations;
    }

    /** The plan of {@code shape}, or null when oneDNN has none (or it was refused). */
    P get(S shape) {
        return plans.computeIfAbsent(shape, s -> {
            P plan;
            try {
                plan = build.apply(s);
            } catch (RuntimeException e) {
                LOG.warn("layer {}: oneDNN cannot build {} ({}); DL4J's helper runs it", layer, s, e.getMessage());
                return Optional.empty();
            }
            if (plan == null) {
                LOG.warn("layer {}: oneDNN has no implementation of {}; DL4J's helper runs it", layer, s);
            } else {
                LOG.debug("layer {}: {}: {}", layer, s, implementations.apply(plan));
            }
            return Optional.ofNullable(plan);
        }).orElse(null);
    }

    /**
     * Hands {@code shape} to DL4J's helper for good after {@code failure} (nothing was written:
     * the check runs before the primitive); under {@link #STRICT} the failure is thrown instead.
     */
    void refuse(S shape, OneDnnBufferException failure) {
        OneDnnBufferException named = new OneDnnBufferException("layer " + layer + ": " + failure.getMessage());
        if (Boolean.getBoolean(STRICT)) {
            throw named;
        }
        plans.put(shape, Optional.empty());
        LOG.warn("{}; DL4J's helper runs this shape from now on", named.getMessage());
    }
}

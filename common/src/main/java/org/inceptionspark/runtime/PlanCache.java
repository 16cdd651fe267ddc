package org.inceptionspark.runtime;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A layer's oneDNN plans by shape, each built on first use and kept; a shape oneDNN refuses is
 * remembered (and logged once), and the layer's DL4J helper runs it.
 */
final class PlanCache<S, P> {
    private static final Logger LOG = LoggerFactory.getLogger(PlanCache.class);

    private final Map<S, Optional<P>> plans = new ConcurrentHashMap<>();
    private final Function<S, P> build;
    private final Function<P, String> implementations;

    PlanCache(Function<S, P> build, Function<P, String> implementations) {
        this.build = build;
        this.implementations = implementations;
    }

    /** The plan of {@code shape}, or null when oneDNN has none. */
    P get(S shape) {
        return plans.computeIfAbsent(shape, s -> {
            P plan = build.apply(s);
            if (plan == null) {
                LOG.warn("oneDNN has no implementation of {}; DL4J's helper runs it", s);
            } else {
                LOG.debug("{}: {}", s, implementations.apply(plan));
            }
            return Optional.ofNullable(plan);
        }).orElse(null);
    }
}

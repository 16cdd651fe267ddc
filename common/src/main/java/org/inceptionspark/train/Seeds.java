package org.inceptionspark.train;

/**
 * Derives independent, reproducible seeds from (run seed, purpose, indices), so every random
 * stream (dropout of replica r at step s, the shuffle of epoch e, ...) is fixed by the run seed
 * alone and does not depend on which executor or thread computes it.
 */
public final class Seeds {
    private Seeds() {
    }

    /** SplitMix64 finaliser: a bijective mix with good avalanche. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    public static long derive(long seed, long purpose, long... indices) {
        long h = mix(seed ^ mix(purpose + 0x9e3779b97f4a7c15L));
        for (long i : indices) {
            h = mix(h ^ mix(i + 0x9e3779b97f4a7c15L));
        }
        return h;
    }

    /** Purposes: distinct constants so two streams never share a seed. */
    public static final long DROPOUT = 1;
    public static final long INIT = 2;
    public static final long SHUFFLE = 3;
    public static final long AUGMENT = 4;
}

package org.inceptionspark.image;

/**
 * SplitMix64, written out here instead of using {@link java.util.SplittableRandom} so that shuffles
 * and augmentations are bit-for-bit the same on every JVM version and vendor: a run restarted on
 * another cluster must see the same epoch order and the same crops.
 */
public final class SplitMix64 {
    private long state;

    public SplitMix64(long seed) {
        this.state = seed;
    }

    /** Seed derived from several keys, e.g. (seed, epoch, imageId); order matters. */
    public static SplitMix64 of(long... keys) {
        return new SplitMix64(mixKeys(keys));
    }

    public static long mixKeys(long... keys) {
        long h = 0x9E3779B97F4A7C15L;
        for (long k : keys) {
            h = mix(h ^ mix(k + 0x632BE59BD9B4E019L));
        }
        return h;
    }

    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public long nextLong() {
        state += 0x9E3779B97F4A7C15L;
        return mix(state);
    }

    /** Uniform in [0, 1). */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [lo, hi). */
    public double uniform(double lo, double hi) {
        return lo + (hi - lo) * nextDouble();
    }

    /** Uniform in [0, bound), bound > 0; the modulo bias is below 2^-32 for bounds under 2^31. */
    public int nextInt(int bound) {
        return (int) ((nextLong() >>> 1) % bound);
    }

    public boolean nextBoolean() {
        return nextLong() < 0;
    }
}

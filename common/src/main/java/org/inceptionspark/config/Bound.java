package org.inceptionspark.config;

/** A numeric interval, with a description users can read in an error message. */
record Bound(double lo, boolean loInclusive, double hi, boolean hiInclusive) {

    static final Bound ANY = new Bound(Double.NEGATIVE_INFINITY, false, Double.POSITIVE_INFINITY, false);

    static Bound atLeast(double lo) {
        return new Bound(lo, true, Double.POSITIVE_INFINITY, false);
    }

    static Bound positive() {
        return new Bound(0, false, Double.POSITIVE_INFINITY, false);
    }

    /** (0, 1]: fractions and keep probabilities. */
    static Bound fractionAboveZero() {
        return new Bound(0, false, 1, true);
    }

    /** [0, 1): decays and momenta, where 1 would freeze the state forever. */
    static Bound decay() {
        return new Bound(0, true, 1, false);
    }

    boolean contains(double v) {
        return (loInclusive ? v >= lo : v > lo) && (hiInclusive ? v <= hi : v < hi);
    }

    String describe() {
        boolean noLo = lo == Double.NEGATIVE_INFINITY;
        boolean noHi = hi == Double.POSITIVE_INFINITY;
        if (noLo && noHi) {
            return "any number";
        }
        if (noHi) {
            return (loInclusive ? ">= " : "> ") + num(lo);
        }
        if (noLo) {
            return (hiInclusive ? "<= " : "< ") + num(hi);
        }
        return "in " + (loInclusive ? "[" : "(") + num(lo) + ", " + num(hi) + (hiInclusive ? "]" : ")");
    }

    private static String num(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}

package org.inceptionspark.optim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Moves flat vectors (parameters, optimizer slots, moving average) written under one parameter
 * layout into another, tensor by tensor, matched by name. A checkpoint is read into the network
 * the run configures, whose flat order is DL4J's topological order of its layers: a change of the
 * graph's structure that keeps every tensor (two layers fused into one, say) can reorder the
 * tensors without changing the count, and a copy by position would silently mix them up.
 */
public final class LayoutRemap {
    private final ParameterLayout target;
    private final long[] sourceOffsets;
    private final boolean identity;
    /** Target tensors {@link #applyOnto} leaves as they are in its base vector. */
    private final List<String> kept;

    private LayoutRemap(ParameterLayout target, long[] sourceOffsets, boolean identity, List<String> kept) {
        this.target = target;
        this.sourceOffsets = sourceOffsets;
        this.identity = identity;
        this.kept = List.copyOf(kept);
    }

    /**
     * The mapping from {@code written} to {@code target}; fails, naming the tensor, when a tensor of
     * either is missing from the other or the two hold different numbers of values.
     */
    public static LayoutRemap between(ParameterLayout written, ParameterLayout target) {
        return map(written, target, t -> false);
    }

    /**
     * The mapping for starting one network from another's weights where some tensors may differ in
     * size (a classifier trained for another class count): those that {@code mayDiffer} accepts and
     * whose sizes differ are left out, to keep the target's own initial values ({@link #applyOnto});
     * any other difference fails as in {@link #between}, naming the tensor.
     */
    public static LayoutRemap startingFrom(ParameterLayout written, ParameterLayout target,
                                           Predicate<ParameterSegment> mayDiffer) {
        return map(written, target, mayDiffer);
    }

    /**
     * The mapping for initialising a network from another one's tensors by name (VGG's deeper
     * configurations from a trained A): every target tensor {@code copy} accepts takes the written
     * tensor of its name, the others (absent from {@code written}, or not accepted) are {@link #kept}
     * with their fresh initial values. Fails naming every accepted tensor whose sizes differ.
     */
    public static LayoutRemap initialisingFrom(ParameterLayout written, ParameterLayout target,
                                               Predicate<ParameterSegment> copy) {
        Map<String, ParameterSegment> byName = new HashMap<>();
        for (ParameterSegment s : written.segments()) {
            byName.put(s.name(), s);
        }
        long[] offsets = new long[target.segments().size()];
        List<String> kept = new ArrayList<>();
        List<String> differ = new ArrayList<>();
        for (int i = 0; i < offsets.length; i++) {
            ParameterSegment t = target.segments().get(i);
            ParameterSegment s = byName.get(t.name());
            offsets[i] = -1;
            if (s == null || !copy.test(t)) {
                kept.add(t.name());
            } else if (s.length() != t.length()) {
                differ.add(t.name() + " (" + s.length() + " values there, " + t.length() + " here)");
            } else {
                offsets[i] = s.offset();
            }
        }
        if (!differ.isEmpty()) {
            throw new IllegalArgumentException("tensors of the same name but another shape: " + String.join(", ", differ));
        }
        return new LayoutRemap(target, offsets, false, kept);
    }

    private static LayoutRemap map(ParameterLayout written, ParameterLayout target, Predicate<ParameterSegment> mayDiffer) {
        Map<String, ParameterSegment> byName = new HashMap<>();
        for (ParameterSegment s : written.segments()) {
            byName.put(s.name(), s);
        }
        long[] offsets = new long[target.segments().size()];
        List<String> kept = new ArrayList<>();
        boolean identity = written.length() == target.length();
        for (int i = 0; i < offsets.length; i++) {
            ParameterSegment t = target.segments().get(i);
            ParameterSegment s = byName.remove(t.name());
            if (s == null) {
                throw new IllegalArgumentException("the network's parameter " + t.name() + " is not in the checkpoint");
            }
            if (s.length() != t.length() && !mayDiffer.test(t)) {
                throw new IllegalArgumentException("parameter " + t.name() + " has " + s.length()
                        + " values in the checkpoint and " + t.length() + " in the network");
            }
            if (s.length() != t.length()) {
                kept.add(t.name());
                offsets[i] = -1;
                identity = false;
            } else {
                offsets[i] = s.offset();
                identity &= s.offset() == t.offset();
            }
        }
        if (!byName.isEmpty()) {
            throw new IllegalArgumentException("the checkpoint's parameter " + byName.keySet().iterator().next()
                    + " is not in the network (" + byName.size() + " such)");
        }
        return new LayoutRemap(target, offsets, identity, kept);
    }

    /** The target tensors this mapping does not fill (their sizes differ), by name. */
    public List<String> kept() {
        return kept;
    }

    /** {@code written} in the target's order, over a copy of {@code base} where a tensor is {@link #kept}. */
    public float[] applyOnto(float[] written, float[] base) {
        if (base.length != target.length()) {
            throw new IllegalArgumentException("base vector has " + base.length + " values, the layout " + target.length());
        }
        return fill(written, base.clone());
    }

    /** True when both layouts place every tensor at the same offset. */
    public boolean identity() {
        return identity;
    }

    /** {@code written} in the target's order (the same array when the layouts agree). */
    public float[] apply(float[] written) {
        if (identity) {
            return written;
        }
        return fill(written, new float[Math.toIntExact(target.length())]);
    }

    private float[] fill(float[] written, float[] out) {
        for (int i = 0; i < sourceOffsets.length; i++) {
            if (sourceOffsets[i] >= 0) {
                ParameterSegment t = target.segments().get(i);
                System.arraycopy(written, (int) sourceOffsets[i], out, (int) t.offset(), (int) t.length());
            }
        }
        return out;
    }
}

package org.inceptionspark.optim;

import java.util.HashMap;
import java.util.Map;

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

    private LayoutRemap(ParameterLayout target, long[] sourceOffsets, boolean identity) {
        this.target = target;
        this.sourceOffsets = sourceOffsets;
        this.identity = identity;
    }

    /**
     * The mapping from {@code written} to {@code target}; fails, naming the tensor, when a tensor of
     * either is missing from the other or the two hold different numbers of values.
     */
    public static LayoutRemap between(ParameterLayout written, ParameterLayout target) {
        Map<String, ParameterSegment> byName = new HashMap<>();
        for (ParameterSegment s : written.segments()) {
            byName.put(s.name(), s);
        }
        long[] offsets = new long[target.segments().size()];
        boolean identity = written.length() == target.length();
        for (int i = 0; i < offsets.length; i++) {
            ParameterSegment t = target.segments().get(i);
            ParameterSegment s = byName.remove(t.name());
            if (s == null) {
                throw new IllegalArgumentException("the network's parameter " + t.name() + " is not in the checkpoint");
            }
            if (s.length() != t.length()) {
                throw new IllegalArgumentException("parameter " + t.name() + " has " + s.length()
                        + " values in the checkpoint and " + t.length() + " in the network");
            }
            offsets[i] = s.offset();
            identity &= s.offset() == t.offset();
        }
        if (!byName.isEmpty()) {
            throw new IllegalArgumentException("the checkpoint's parameter " + byName.keySet().iterator().next()
                    + " is not in the network (" + byName.size() + " such)");
        }
        return new LayoutRemap(target, offsets, identity);
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
        float[] out = new float[Math.toIntExact(target.length())];
        for (int i = 0; i < sourceOffsets.length; i++) {
            ParameterSegment t = target.segments().get(i);
            System.arraycopy(written, (int) sourceOffsets[i], out, (int) t.offset(), (int) t.length());
        }
        return out;
    }
}

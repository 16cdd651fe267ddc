package org.inceptionspark.worker;

import java.io.Serializable;

/** Splits a message of {@code length} values into {@code slices} contiguous ranges of near-equal size. */
public record SliceRanges(int length, int slices) implements Serializable {
    public SliceRanges {
        if (slices < 1 || slices > length) {
            throw new IllegalArgumentException("cannot split " + length + " values into " + slices + " slices");
        }
    }

    public int from(int slice) {
        return (int) ((long) length * slice / slices);
    }

    public int size(int slice) {
        return from(slice + 1) - from(slice);
    }

    /**
     * The summed slices written into {@code into}, one message; fails naming a slice that never
     * arrived (absent from {@code summed}) or has the wrong size.
     */
    public void assemble(java.util.Map<Integer, float[]> summed, float[] into, long step) {
        for (int s = 0; s < slices; s++) {
            float[] values = summed.get(s);
            if (values == null) {
                throw new IllegalStateException("step " + step + ": slice " + s + " of the gradient never arrived");
            }
            place(s, values, into);
        }
    }

    /** Summed slice {@code s} written into its range of {@code into}; fails when it has the wrong size. */
    public void place(int s, float[] values, float[] into) {
        if (values.length != size(s)) {
            throw new IllegalStateException("slice " + s + " has " + values.length + " values, expected " + size(s));
        }
        System.arraycopy(values, 0, into, from(s), values.length);
    }
}

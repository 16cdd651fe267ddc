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
}

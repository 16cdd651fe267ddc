package org.inceptionspark.runtime;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A native buffer handed to a oneDNN primitive: its address and the bytes that really belong to
 * it from there on (an array's data buffer to its end, an arena buffer's allocation). Every
 * execution checks each argument's memory descriptor against {@link #bytes()}
 * ({@link Dnnl#execute}), so a size bug is a Java exception, never a native write.
 */
record Span(long address, long bytes) {
    /** No buffer (an absent bias, a primitive without workspace). */
    static final Span NONE = new Span(0, 0);

    boolean isNone() {
        return address == 0;
    }

    /** The array's first element and the bytes of its data buffer from there to the buffer's end. */
    static Span of(INDArray a) {
        long element = a.data().getElementSize();
        long first = a.offset();
        // a view's data() starts at its original buffer's base, and length() counts only the view's values
        return new Span(a.data().address() + first * element, (a.data().underlyingLength() - first) * element);
    }
}

package org.inceptionspark.optim;

import java.io.Serializable;

/** One named tensor of the flat parameter vector: {@code [offset, offset + length)}. */
public record ParameterSegment(String name, long offset, long length, ParameterRole role) implements Serializable {
    public long end() {
        return offset + length;
    }
}

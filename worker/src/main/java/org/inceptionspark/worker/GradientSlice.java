package org.inceptionspark.worker;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;

/** One replica's part of one slice of the gradient message, as it crosses the shuffle. */
public final class GradientSlice implements Serializable {
    private static final long serialVersionUID = 1L;
    private int replica;
    private transient float[] values;
    private transient int from;
    private transient int length;

    public GradientSlice(int replica, float[] message, int from, int length) {
        this.replica = replica;
        this.values = message;
        this.from = from;
        this.length = length;
    }

    public int replica() {
        return replica;
    }

    /** The slice's values (a copy-free view only before serialization; after it, exactly the slice). */
    public float[] values() {
        if (from != 0 || length != values.length) {
            values = java.util.Arrays.copyOfRange(values, from, from + length);
            from = 0;
        }
        return values;
    }

    public int length() {
        return length;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
        out.writeInt(replica);
        FloatBytes.write(out, values, from, length);
    }

    private void readObject(ObjectInputStream in) throws IOException {
        replica = in.readInt();
        values = FloatBytes.read(in);
        from = 0;
        length = values.length;
    }
}

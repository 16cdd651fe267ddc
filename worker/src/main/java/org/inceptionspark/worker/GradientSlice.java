package org.inceptionspark.worker;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.Arrays;

/**
 * One replica's part of one slice of the gradient message as it crosses the shuffle, or (replica
 * {@link #SUM}) a slice summed over all replicas on its way to the driver. Before serialization
 * it is a view of the replica's whole message, so cutting the message into slices copies nothing.
 */
public final class GradientSlice implements Serializable {
    private static final long serialVersionUID = 1L;
    /** The replica number of a slice summed over all replicas. */
    public static final int SUM = -1;

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

    public static GradientSlice sum(float[] values) {
        return new GradientSlice(SUM, values, 0, values.length);
    }

    public int replica() {
        return replica;
    }

    /** The slice's values (copied out of the message if this is still a view of one). */
    public float[] values() {
        if (from != 0 || length != values.length) {
            values = Arrays.copyOfRange(values, from, from + length);
            from = 0;
        }
        return values;
    }

    public int length() {
        return length;
    }

    float[] source() {
        return values;
    }

    int from() {
        return from;
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

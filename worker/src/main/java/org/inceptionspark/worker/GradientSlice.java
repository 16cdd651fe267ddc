package org.inceptionspark.worker;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.Arrays;

/**
 * One block of replicas' part of one slice of the gradient message as it crosses the shuffle, or
 * (block {@link #SUM}) a slice summed over all replicas on its way to the driver. Before
 * serialization it is a view of the block's whole message, so cutting it into slices copies nothing.
 */
public final class GradientSlice implements Serializable {
    private static final long serialVersionUID = 1L;
    /** The block number of a slice summed over all replicas. */
    public static final int SUM = -1;

    private int block;
    private transient float[] values;
    private transient int from;
    private transient int length;

    public GradientSlice(int block, float[] message, int from, int length) {
        this.block = block;
        this.values = message;
        this.from = from;
        this.length = length;
    }

    public static GradientSlice sum(float[] values) {
        return new GradientSlice(SUM, values, 0, values.length);
    }

    /** The block of replicas ({@link ReplicaBlocks}) this slice comes from. */
    public int block() {
        return block;
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
        out.writeInt(block);
        FloatBytes.write(out, values, from, length);
    }

    private void readObject(ObjectInputStream in) throws IOException {
        block = in.readInt();
        values = FloatBytes.read(in);
        from = 0;
        length = values.length;
    }
}

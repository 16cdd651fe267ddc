package org.inceptionspark.worker;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;

/**
 * One slice of a step's parameters, {@code values} going to positions {@code [from, from +
 * values.length)} of the network's flat parameter vector; broadcast by {@link StepExchange#publish}.
 */
public final class StepWeights implements Serializable {
    private static final long serialVersionUID = 2L;
    private long step;
    private int from;
    private transient float[] values;

    public StepWeights(long step, int from, float[] values) {
        this.step = step;
        this.from = from;
        this.values = values;
    }

    public long step() {
        return step;
    }

    public int from() {
        return from;
    }

    public float[] values() {
        return values;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
        out.writeLong(step);
        out.writeInt(from);
        FloatBytes.write(out, values, 0, values.length);
    }

    private void readObject(ObjectInputStream in) throws IOException {
        step = in.readLong();
        from = in.readInt();
        values = FloatBytes.read(in);
    }
}

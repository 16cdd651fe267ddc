package org.inceptionspark.worker;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;

/**
 * The parameters of one step, broadcast once per step ({@link StepExchange#publish}): Spark's torrent broadcast lets executors
 * fetch its blocks from each other, so the driver uploads about one copy whatever the replica count.
 */
public final class StepWeights implements Serializable {
    private static final long serialVersionUID = 1L;
    private long step;
    private transient float[] values;

    public StepWeights(long step, float[] values) {
        this.step = step;
        this.values = values;
    }

    public long step() {
        return step;
    }

    public float[] values() {
        return values;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
        out.writeLong(step);
        FloatBytes.write(out, values, 0, values.length);
    }

    private void readObject(ObjectInputStream in) throws IOException {
        step = in.readLong();
        values = FloatBytes.read(in);
    }
}

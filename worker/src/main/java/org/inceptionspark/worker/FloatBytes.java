package org.inceptionspark.worker;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes float arrays as one block of little-endian bytes: with Java serialization or Kryo this
 * costs a memory copy, where a plain float[] would be encoded value by value. Checkpoints use
 * the same encoding.
 */
public final class FloatBytes {
    private FloatBytes() {
    }

    public static void write(DataOutput out, float[] values, int from, int length) throws IOException {
        out.writeInt(length);
        ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        int i = from;
        int end = from + length;
        while (i < end) {
            int n = Math.min(end - i, buf.capacity() / 4);
            buf.clear();
            buf.asFloatBuffer().put(values, i, n);
            out.write(buf.array(), 0, n * 4);
            i += n;
        }
    }

    public static float[] read(DataInput in) throws IOException {
        int length = in.readInt();
        float[] values = new float[length];
        byte[] chunk = new byte[1 << 20];
        ByteBuffer buf = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
        int i = 0;
        while (i < length) {
            int n = Math.min(length - i, chunk.length / 4);
            in.readFully(chunk, 0, n * 4);
            buf.clear();
            buf.asFloatBuffer().get(values, i, n);
            i += n;
        }
        return values;
    }
}

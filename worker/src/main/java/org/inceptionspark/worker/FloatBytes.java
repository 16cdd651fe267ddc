package org.inceptionspark.worker;

import java.io.DataInput;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.IntFunction;

/**
 * Writes float arrays as a big-endian length and one block of little-endian bytes, converted in
 * chunks by bulk buffer copies. Any stream works (Java serialization, Kryo, checkpoint files),
 * and no per-value loop runs: a per-value loop is fast only once the JIT has compiled it, and the
 * code that moves a 96 MB gradient runs a few times per step per executor, so it must be fast cold.
 */
public final class FloatBytes {
    private static final int CHUNK = 1 << 18;

    private FloatBytes() {
    }

    public static void write(OutputStream out, float[] values, int from, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(chunkBytes(length)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] header = ByteBuffer.allocate(4).putInt(length).array();
        out.write(header);
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

    public static float[] read(InputStream in) throws IOException {
        return read(in, float[]::new);
    }

    /** Reads a block into an array from {@code allocate} (called with the block's length), e.g. a reused one. */
    public static float[] read(InputStream in, IntFunction<float[]> allocate) throws IOException {
        byte[] header = new byte[4];
        readFully(in, header, 4);
        int length = ByteBuffer.wrap(header).getInt();
        if (length < 0) {
            throw new IOException("corrupt float block: negative length " + length);
        }
        float[] values = allocate.apply(length);
        byte[] chunk = new byte[chunkBytes(length)];
        ByteBuffer buf = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
        int i = 0;
        while (i < length) {
            int n = Math.min(length - i, chunk.length / 4);
            readFully(in, chunk, n * 4);
            buf.clear();
            buf.asFloatBuffer().get(values, i, n);
            i += n;
        }
        return values;
    }

    /** A conversion buffer no larger than the block (in long arithmetic: 4 x length can overflow). */
    private static int chunkBytes(int length) {
        return (int) Math.min(CHUNK, Math.max(4L, 4L * length));
    }

    private static void readFully(InputStream in, byte[] into, int length) throws IOException {
        if (in instanceof DataInput d) {
            // an ObjectInputStream reads its block data through its own readFully; readNBytes would
            // take InputStream's generic loop
            d.readFully(into, 0, length);
        } else if (in.readNBytes(into, 0, length) != length) {
            throw new EOFException("float block ends early: expected " + length + " more bytes");
        }
    }
}

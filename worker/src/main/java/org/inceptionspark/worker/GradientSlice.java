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
    /**
     * A digest of the whole block message each slice was cut from, and the executor that computed
     * it: one entry for a block's slice, one per block for a summed slice. All slices of one block
     * must carry the same digest; two differing mean the reduce tasks summed different attempts of
     * that block (a task rerun after its executor was lost that did not give the same bits).
     */
    private long[] digests;
    private String[] origins;
    private transient float[] values;
    private transient int from;
    private transient int length;

    public GradientSlice(int block, float[] message, int from, int length) {
        this(block, message, from, length, new long[0], new String[0]);
    }

    public GradientSlice(int block, float[] message, int from, int length, long[] digests, String[] origins) {
        this.block = block;
        this.values = message;
        this.from = from;
        this.length = length;
        this.digests = digests;
        this.origins = origins;
    }

    public static GradientSlice sum(float[] values, long[] digests, String[] origins) {
        return new GradientSlice(SUM, values, 0, values.length, digests, origins);
    }

    /** Digest of each block's message (a block's slice: one entry); see the field. */
    public long[] digests() {
        return digests;
    }

    /** Where each block's message was computed ("executor 3 on host"). */
    public String[] origins() {
        return origins;
    }

    /**
     * A 64-bit digest of a message's bits: equal messages give equal digests. FNV-1a over four
     * interleaved lanes (values 4k, 4k+1, 4k+2, 4k+3, each lane from its own offset basis), the
     * lanes folded together at the end: one FNV chain waits for each multiply before the next, so it
     * ran at a quarter of the speed over the 24M values of an Inception-v3 message, on the map
     * task's critical path every step.
     */
    public static long digest(float[] message) {
        long a = FNV_BASIS;
        long b = FNV_BASIS ^ 1;
        long c = FNV_BASIS ^ 2;
        long d = FNV_BASIS ^ 3;
        int n = message.length;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            a = (a ^ Float.floatToRawIntBits(message[i])) * FNV_PRIME;
            b = (b ^ Float.floatToRawIntBits(message[i + 1])) * FNV_PRIME;
            c = (c ^ Float.floatToRawIntBits(message[i + 2])) * FNV_PRIME;
            d = (d ^ Float.floatToRawIntBits(message[i + 3])) * FNV_PRIME;
        }
        for (; i < n; i++) {
            a = (a ^ Float.floatToRawIntBits(message[i])) * FNV_PRIME;
        }
        long h = (a ^ n) * FNV_PRIME;
        for (long lane : new long[] {b, c, d}) {
            h = (h ^ lane) * FNV_PRIME;
        }
        return h;
    }

    private static final long FNV_BASIS = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

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

    static void writeProvenance(java.io.DataOutput out, long[] digests, String[] origins) throws IOException {
        out.writeInt(digests.length);
        for (int i = 0; i < digests.length; i++) {
            out.writeLong(digests[i]);
            out.writeUTF(origins[i]);
        }
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
        writeProvenance(out, digests, origins);
        FloatBytes.write(out, values, from, length);
    }

    private void readObject(ObjectInputStream in) throws IOException {
        block = in.readInt();
        int n = in.readInt();
        digests = new long[n];
        origins = new String[n];
        for (int i = 0; i < n; i++) {
            digests[i] = in.readLong();
            origins[i] = in.readUTF();
        }
        values = FloatBytes.read(in);
        from = 0;
        length = values.length;
    }
}

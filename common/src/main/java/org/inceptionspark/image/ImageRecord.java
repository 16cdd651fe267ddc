package org.inceptionspark.image;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * One packed image: the value of a shard's SequenceFile record. Self-describing, so a shard can be
 * read sequentially (e.g. by Spark's sequenceFile) without the index:
 * {@code int version=1, int label, long imageId, UTF sourcePath, int length, byte[length] encoded image}.
 */
public record ImageRecord(int label, long imageId, String sourcePath, byte[] encoded) {
    private static final int VERSION = 1;

    public byte[] toBytes() {
        ByteArrayOutputStream bos = new ByteArrayOutputStream(encoded.length + 64);
        try (DataOutputStream out = new DataOutputStream(bos)) {
            out.writeInt(VERSION);
            out.writeInt(label);
            out.writeLong(imageId);
            out.writeUTF(sourcePath);
            out.writeInt(encoded.length);
            out.write(encoded);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    public static ImageRecord fromBytes(byte[] b, int off, int len) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(b, off, len));
        int version = in.readInt();
        if (version != VERSION) {
            throw new IOException("unknown image record version " + version);
        }
        int label = in.readInt();
        long id = in.readLong();
        String path = in.readUTF();
        byte[] data = new byte[in.readInt()];
        in.readFully(data);
        return new ImageRecord(label, id, path, data);
    }

    /** Stable 64-bit id of an image from its path relative to the pack source (FNV-1a, then mixed). */
    public static long idOf(String relativePath) {
        long h = 0xcbf29ce484222325L;
        for (byte c : relativePath.getBytes(StandardCharsets.UTF_8)) {
            h ^= c & 0xFF;
            h *= 0x100000001b3L;
        }
        return SplitMix64.mix(h);
    }
}

package org.inceptionspark.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.inceptionspark.worker.data.IndexEntry;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag;

/**
 * The byte codecs of what a step ships, through Spark's own KryoSerializer configured as the
 * driver configures it (registrationRequired): weights and gradient slices as bulk floats, a
 * slice cut out of a message carrying only its own values, records rebuilt through their
 * constructors, and an unregistered class refused by name.
 */
class KryoRegistrationTest {
    private static final SerializerInstance KRYO = new KryoSerializer(new SparkConf()
            .set("spark.kryo.registrator", KryoRegistration.class.getName())
            .set("spark.kryo.registrationRequired", "true")
            .set("spark.kryoserializer.buffer.max", "64m")).newInstance();

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T value) {
        ClassTag<Object> tag = scala.reflect.ClassTag$.MODULE$.Object();
        ByteBuffer bytes = KRYO.serialize(value, tag);
        return (T) KRYO.deserialize(bytes, tag);
    }

    private static float[] message(int n) {
        float[] m = new float[n];
        for (int i = 0; i < n; i++) {
            m[i] = (float) Math.sin(i) * (i % 7 == 0 ? 1e-30f : 1e3f);
        }
        m[1] = Float.NaN;
        m[2] = Float.NEGATIVE_INFINITY;
        m[3] = -0.0f;
        return m;
    }

    @Test
    void stepWeightsKeepEveryBit() {
        float[] w = message(300_001);
        StepWeights back = roundTrip(new StepWeights(42, 1 << 22, w));
        assertEquals(42, back.step());
        assertEquals(1 << 22, back.from());
        assertArrayEquals(w, back.values());
    }

    @Test
    void aSliceCarriesOnlyItsOwnValuesAndItsProvenance() {
        float[] m = message(100_000);
        GradientSlice view = new GradientSlice(3, m, 40_000, 25_000, new long[]{GradientSlice.digest(m)},
                new String[]{"executor 1 on host-a"});
        ByteBuffer bytes = KRYO.serialize(view, scala.reflect.ClassTag$.MODULE$.Object());
        assertTrue(bytes.remaining() < 25_000 * 4 + 1_000, "the slice, not the message: " + bytes.remaining() + " bytes");
        GradientSlice back = (GradientSlice) KRYO.deserialize(bytes, scala.reflect.ClassTag$.MODULE$.Object());
        assertEquals(3, back.block());
        assertArrayEquals(java.util.Arrays.copyOfRange(m, 40_000, 65_000), back.values());
        assertArrayEquals(new long[]{GradientSlice.digest(m)}, back.digests());
        assertArrayEquals(new String[]{"executor 1 on host-a"}, back.origins());
    }

    @Test
    void javaSerializationOfASliceMatchesKryos() throws Exception {
        float[] m = message(10_000);
        GradientSlice view = new GradientSlice(1, m, 100, 5_000, new long[]{7L}, new String[]{"e"});
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(buf)) {
            out.writeObject(view);
        }
        GradientSlice back;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(buf.toByteArray()))) {
            back = (GradientSlice) in.readObject();
        }
        GradientSlice viaKryo = roundTrip(view);
        assertArrayEquals(viaKryo.values(), back.values());
        assertArrayEquals(viaKryo.digests(), back.digests());
    }

    @Test
    void recordsAreRebuiltThroughTheirConstructor() {
        IndexEntry e = new IndexEntry(3, 12345L, 678, 9, 1_000_000_007L);
        assertEquals(e, roundTrip(e));
        assertEquals(List.of(1, 2), roundTrip(new java.util.ArrayList<>(List.of(1, 2))));
    }

    @Test
    void anUnregisteredClassIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> roundTrip(new java.util.concurrent.ConcurrentHashMap<String, String>()));
        assertTrue(e.getMessage().contains("ConcurrentHashMap"), e.getMessage());
    }
}

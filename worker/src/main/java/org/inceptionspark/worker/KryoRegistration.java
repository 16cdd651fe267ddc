package org.inceptionspark.worker;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.TreeMap;
import java.util.function.IntFunction;
import org.apache.spark.serializer.KryoRegistrator;
import org.inceptionspark.worker.data.IndexEntry;
import org.inceptionspark.worker.data.ShardInput;
import org.inceptionspark.worker.data.ShardResult;
import org.inceptionspark.worker.data.SkippedFile;
import org.inceptionspark.worker.data.SourceImage;
import org.inceptionspark.worker.eval.EvalCounts;
import org.inceptionspark.worker.eval.BatchNormMoments;
import org.inceptionspark.worker.eval.ModelSnapshot;
import org.nd4j.kryo.Nd4jSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Makes Kryo (the engine's default serializer, see the driver's SparkSettings) carry everything
 * this service ships, every class registered: the driver sets {@code spark.kryo.registrationRequired},
 * so a class missing here fails the job at once, naming it, instead of travelling by its class name,
 * and no record falls back to Java serialization (whose {@code readObject} on bytes from the network
 * is what deserialization attacks use).
 * <ul>
 *   <li>the bulk float payloads (weights, gradient slices) as one block of bytes, copied in bulk,
 *       not value by value;</li>
 *   <li>Java records component by component through their canonical constructor
 *       ({@link RecordSerializer}): Kryo 4's field serializer cannot build a record (its final
 *       fields cannot be set);</li>
 *   <li>ND4J arrays with nd4j-kryo's serializer, as DL4J requires of a Kryo cluster (nd4j-kryo
 *       1.0.0-M2 ships that serializer but not its registrator);</li>
 *   <li>the JDK and Scala containers these travel in (a parallelized list arrives as a Scala
 *       {@code WrappedArray}, a collected result as an {@code Object[]}).</li>
 * </ul>
 */
public final class KryoRegistration implements KryoRegistrator {
    /** The engine's records that cross the network: pack inputs and results, evaluation counts. */
    static final List<Class<? extends Record>> RECORDS = List.of(SourceImage.class, ShardInput.class, ShardResult.class,
            IndexEntry.class, SkippedFile.class, EvalCounts.class, DirectExchange.Summed.class);

    @Override
    public void registerClasses(Kryo kryo) {
        kryo.register(StepWeights.class, new StepWeightsSerializer());
        kryo.register(GradientSlice.class, new GradientSliceSerializer());
        for (Class<? extends Record> r : RECORDS) {
            kryo.register(r, new RecordSerializer<>(r));
        }
        kryo.register(ModelSnapshot.class);
        kryo.register(BatchNormMoments.class);
        // a barrier stage's collect() returns its tasks' results as one array
        kryo.register(DirectExchange.Summed[].class);
        kryo.addDefaultSerializer(INDArray.class, Nd4jSerializer.class);
        for (Class<?> c : List.of(Object[].class, float[].class, long[].class, int[].class, byte[].class, double[].class,
                double[][].class, ArrayList.class, TreeMap.class, HashMap.class, LinkedHashMap.class, scala.Tuple2.class,
                scala.collection.mutable.WrappedArray.ofRef.class, scala.collection.mutable.WrappedArray.ofInt.class,
                scala.collection.mutable.WrappedArray.ofLong.class)) {
            kryo.register(c);
        }
    }

    /**
     * A record as its components in declaration order, each with its class, rebuilt through the
     * canonical constructor, so a record's own validation runs on what arrives.
     */
    static final class RecordSerializer<R extends Record> extends Serializer<R> {
        private final Method[] accessors;
        private final Constructor<R> canonical;

        RecordSerializer(Class<R> type) {
            RecordComponent[] components = type.getRecordComponents();
            accessors = new Method[components.length];
            Class<?>[] types = new Class<?>[components.length];
            for (int i = 0; i < components.length; i++) {
                accessors[i] = components[i].getAccessor();
                accessors[i].setAccessible(true);
                types[i] = components[i].getType();
            }
            try {
                canonical = type.getDeclaredConstructor(types);
                canonical.setAccessible(true);
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException("record " + type.getName() + " has no canonical constructor", e);
            }
            setImmutable(true);
        }

        @Override
        public void write(Kryo kryo, Output output, R record) {
            for (Method a : accessors) {
                try {
                    kryo.writeClassAndObject(output, a.invoke(record));
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("reading " + a + " of " + record.getClass().getName(), e);
                }
            }
        }

        @Override
        public R read(Kryo kryo, Input input, Class<R> type) {
            Object[] values = new Object[accessors.length];
            for (int i = 0; i < values.length; i++) {
                values[i] = kryo.readClassAndObject(input);
            }
            try {
                return canonical.newInstance(values);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("building " + type.getName(), e);
            }
        }
    }

    static final class StepWeightsSerializer extends Serializer<StepWeights> {
        @Override
        public void write(Kryo kryo, Output output, StepWeights w) {
            output.writeLong(w.step());
            writeFloats(output, w.values(), 0, w.values().length);
        }

        @Override
        public StepWeights read(Kryo kryo, Input input, Class<StepWeights> type) {
            long step = input.readLong();
            return new StepWeights(step, readFloats(input));
        }
    }

    static final class GradientSliceSerializer extends Serializer<GradientSlice> {
        @Override
        public void write(Kryo kryo, Output output, GradientSlice s) {
            output.writeInt(s.block());
            output.writeInt(s.digests().length);
            for (int i = 0; i < s.digests().length; i++) {
                output.writeLong(s.digests()[i]);
                output.writeString(s.origins()[i]);
            }
            writeFloats(output, s.source(), s.from(), s.length());
        }

        @Override
        public GradientSlice read(Kryo kryo, Input input, Class<GradientSlice> type) {
            int block = input.readInt();
            int n = input.readInt();
            long[] digests = new long[n];
            String[] origins = new String[n];
            for (int i = 0; i < n; i++) {
                digests[i] = input.readLong();
                origins[i] = input.readString();
            }
            // slices are read by reduce tasks and by the driver, which hand the arrays back once summed
            float[] values = readFloats(input, MessageBuffers::take);
            return new GradientSlice(block, values, 0, values.length, digests, origins);
        }
    }

    private static void writeFloats(Output output, float[] values, int from, int length) {
        try {
            FloatBytes.write(output, values, from, length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static float[] readFloats(Input input) {
        return readFloats(input, float[]::new);
    }

    private static float[] readFloats(Input input, IntFunction<float[]> allocate) {
        try {
            return FloatBytes.read(input, allocate);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

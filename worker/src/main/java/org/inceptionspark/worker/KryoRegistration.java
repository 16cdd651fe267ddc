package org.inceptionspark.worker;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.IntFunction;
import org.apache.spark.serializer.KryoRegistrator;
import org.nd4j.kryo.Nd4jSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Makes Kryo (the engine's default serializer, see the driver's SparkSettings) carry everything
 * this service ships:
 * <ul>
 *   <li>the bulk float payloads (weights, gradient slices) as one block of bytes, copied in bulk,
 *       not value by value;</li>
 *   <li>Java records through Java serialization: Kryo 4's field serializer cannot build a record
 *       (its final fields cannot be set), so pack and evaluation results would fail to deserialize;</li>
 *   <li>ND4J arrays with nd4j-kryo's serializer, as DL4J requires of a Kryo cluster (nd4j-kryo
 *       1.0.0-M2 ships that serializer but not its registrator).</li>
 * </ul>
 */
public final class KryoRegistration implements KryoRegistrator {
    @Override
    public void registerClasses(Kryo kryo) {
        kryo.register(StepWeights.class, new StepWeightsSerializer());
        kryo.register(GradientSlice.class, new GradientSliceSerializer());
        kryo.addDefaultSerializer(Record.class, JavaSerializer.class);
        kryo.addDefaultSerializer(INDArray.class, Nd4jSerializer.class);
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

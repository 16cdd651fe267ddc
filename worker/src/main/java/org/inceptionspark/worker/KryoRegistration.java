package org.inceptionspark.worker;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * When a cluster runs Spark with Kryo, our bulk float payloads keep their block encoding
 * (their writeObject) instead of Kryo's field-by-field default, which would drop them.
 */
public final class KryoRegistration implements KryoRegistrator {
    @Override
    public void registerClasses(Kryo kryo) {
        kryo.register(StepWeights.class, new JavaSerializer());
        kryo.register(GradientSlice.class, new JavaSerializer());
    }
}

package org.inceptionspark.runtime;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Copies between a float[] and an INDArray: one bulk copy when the array is FLOAT, contiguous
 * and in host memory, ND4J's converting accessors otherwise. ND4J's own
 * {@code setData(float[])} and {@code toFloatVector()} go value by value through the buffer's
 * accessors, on every replica task of every step (README, "What moves a step's bytes fast").
 * On a GPU backend, where host and device copies must be kept in sync, ND4J's own methods are used.
 */
public final class HostFloats {
    private HostFloats() {
    }

    /** {@code target := values}. */
    public static void copyInto(INDArray target, float[] values) {
        checkShape(target, values.length);
        copyInto(target, 0, values);
    }

    /** {@code target[at, at + values.length) := values}, positions in row-major order. */
    public static void copyInto(INDArray target, long at, float[] values) {
        if (at < 0 || at + values.length > target.length()) {
            throw new IllegalArgumentException("values [" + at + ", " + (at + values.length) + ") outside an array of "
                    + target.length());
        }
        if (bulk(target)) {
            FloatBuffer view = target.data().asNioFloat();
            view.position(Math.toIntExact(target.offset() + at));
            view.put(values, 0, values.length);
        } else {
            float[] all = new float[Math.toIntExact(target.length())];
            copyOut(target, all);
            System.arraycopy(values, 0, all, Math.toIntExact(at), values.length);
            target.assign(Nd4j.createFromArray(all).reshape('c', target.shape()).castTo(target.dataType()));
        }
    }

    /** {@code into[0, source.length) := source}. */
    public static void copyOut(INDArray source, float[] into) {
        if (into.length < source.length()) {
            throw new IllegalArgumentException("array of " + source.length() + " values, float[] of " + into.length);
        }
        if (bulk(source)) {
            FloatBuffer view = source.data().asNioFloat();
            view.position(Math.toIntExact(source.offset()));
            view.get(into, 0, (int) source.length());
        } else {
            System.arraycopy(Nd4j.toFlattened('c', source).toFloatVector(), 0, into, 0, (int) source.length());
        }
    }

    /** Host memory, and the values lie one after the other in the array's own order. */
    private static boolean bulk(INDArray a) {
        return Nd4j.getEnvironment().isCPU() && a.dataType() == DataType.FLOAT && a.elementWiseStride() == 1
                && (a.isVector() || a.ordering() == 'c');
    }

    private static void checkShape(INDArray a, int length) {
        if (a.length() != length) {
            throw new IllegalArgumentException("array of " + a.length() + " values, float[] of " + length);
        }
    }
}

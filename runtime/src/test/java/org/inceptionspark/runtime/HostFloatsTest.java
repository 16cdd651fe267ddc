package org.inceptionspark.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class HostFloatsTest {
    private static float[] ramp(int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = i * scale - 3;
        }
        return v;
    }

    @Test
    void roundTripsAWholeRowVector() {
        INDArray flat = Nd4j.zeros(DataType.FLOAT, 1, 1000);
        float[] values = ramp(1000, 0.25f);
        HostFloats.copyInto(flat, values);
        assertArrayEquals(values, flat.toFloatVector());
        float[] out = new float[1003];
        HostFloats.copyOut(flat, out);
        for (int i = 0; i < 1000; i++) {
            assertEquals(values[i], out[i]);
        }
    }

    @Test
    void writesPiecesAtTheirPositions() {
        INDArray flat = Nd4j.zeros(DataType.FLOAT, 1, 10);
        HostFloats.copyInto(flat, 7, new float[] {1, 2, 3});
        HostFloats.copyInto(flat, 0, new float[] {4});
        assertArrayEquals(new float[] {4, 0, 0, 0, 0, 0, 0, 1, 2, 3}, flat.toFloatVector());
        INDArray column = Nd4j.zeros(DataType.FLOAT, 3, 2).getColumn(1);
        HostFloats.copyInto(column, 1, new float[] {5, 6});
        assertArrayEquals(new float[] {0, 5, 6}, column.toFloatVector());
        assertThrows(IllegalArgumentException.class, () -> HostFloats.copyInto(flat, 8, new float[] {1, 2, 3}));
    }

    @Test
    void respectsAViewsOffsetAndStride() {
        INDArray m = Nd4j.zeros(DataType.FLOAT, 4, 6);
        INDArray row = m.getRow(2); // contiguous, offset 12
        HostFloats.copyInto(row, ramp(6, 1f));
        assertArrayEquals(ramp(6, 1f), m.getRow(2).toFloatVector());
        assertEquals(0f, m.getRow(1).sumNumber().floatValue());
        assertEquals(0f, m.getRow(3).sumNumber().floatValue());
        INDArray column = m.getColumn(1); // strided: the element-wise path
        HostFloats.copyInto(column, ramp(4, 2f));
        float[] out = new float[4];
        HostFloats.copyOut(column, out);
        assertArrayEquals(ramp(4, 2f), out);
        float[] rowOut = new float[6];
        HostFloats.copyOut(m.getRow(0), rowOut);
        assertArrayEquals(m.getRow(0).toFloatVector(), rowOut);
    }

    @Test
    void convertsOtherTypesAndRejectsAWrongLength() {
        INDArray d = Nd4j.zeros(DataType.DOUBLE, 1, 5);
        HostFloats.copyInto(d, ramp(5, 0.5f));
        float[] out = new float[5];
        HostFloats.copyOut(d, out);
        assertArrayEquals(ramp(5, 0.5f), out);
        assertThrows(IllegalArgumentException.class, () -> HostFloats.copyInto(Nd4j.zeros(DataType.FLOAT, 1, 5), new float[4]));
        assertThrows(IllegalArgumentException.class, () -> HostFloats.copyOut(Nd4j.zeros(DataType.FLOAT, 1, 5), new float[4]));
    }
}

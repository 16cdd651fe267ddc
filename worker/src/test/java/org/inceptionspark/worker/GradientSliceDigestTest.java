package org.inceptionspark.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The block digest the reduce side compares: any changed bit, in any lane or in the tail, changes it. */
class GradientSliceDigestTest {
    @Test
    void everyPositionAndTheLengthCount() {
        float[] message = new float[11];
        for (int i = 0; i < message.length; i++) {
            message[i] = i * 0.25f;
        }
        long digest = GradientSlice.digest(message);
        assertEquals(digest, GradientSlice.digest(message.clone()));
        for (int i = 0; i < message.length; i++) {
            float[] changed = message.clone();
            changed[i] = Math.nextUp(changed[i]);
            assertNotEquals(digest, GradientSlice.digest(changed), "value " + i);
        }
        // values swapped between lanes, and a message one zero longer
        float[] swapped = message.clone();
        swapped[1] = message[2];
        swapped[2] = message[1];
        assertNotEquals(digest, GradientSlice.digest(swapped));
        assertNotEquals(GradientSlice.digest(new float[8]), GradientSlice.digest(new float[9]));
        // -0.0 and 0.0 add up alike but are different bits, as a rerun's message must match bit for bit
        float[] negativeZero = new float[8];
        negativeZero[5] = -0.0f;
        assertNotEquals(GradientSlice.digest(new float[8]), GradientSlice.digest(negativeZero));
        assertEquals(GradientSlice.digest(Arrays.copyOf(message, 11)), digest);
    }
}

package org.inceptionspark.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LayoutRemapTest {
    private static ParameterLayout layout(Object... nameLength) {
        List<ParameterSegment> segments = new java.util.ArrayList<>();
        long offset = 0;
        for (int i = 0; i < nameLength.length; i += 2) {
            long n = (Integer) nameLength[i + 1];
            segments.add(new ParameterSegment((String) nameLength[i], offset, n, ParameterRole.WEIGHT));
            offset += n;
        }
        return new ParameterLayout(segments, offset);
    }

    @Test
    void movesEachTensorToItsNameInTheOtherOrder() {
        ParameterLayout written = layout("a/W", 2, "b/W", 3, "c/beta", 1);
        ParameterLayout network = layout("b/W", 3, "c/beta", 1, "a/W", 2);
        LayoutRemap remap = LayoutRemap.between(written, network);
        assertFalse(remap.identity());
        assertArrayEquals(new float[] {3, 4, 5, 6, 1, 2}, remap.apply(new float[] {1, 2, 3, 4, 5, 6}));
    }

    @Test
    void theSameLayoutHandsBackTheArray() {
        LayoutRemap remap = LayoutRemap.between(layout("a/W", 2, "b/W", 3), layout("a/W", 2, "b/W", 3));
        assertTrue(remap.identity());
        float[] v = {1, 2, 3, 4, 5};
        assertSame(v, remap.apply(v));
    }

    @Test
    void refusesLayoutsThatDoNotHoldTheSameTensors() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> LayoutRemap.between(layout("a/W", 2, "b/W", 3), layout("a/W", 2, "x/W", 3)));
        assertTrue(missing.getMessage().contains("x/W is not in the checkpoint"), missing.getMessage());
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> LayoutRemap.between(layout("a/W", 2, "b/W", 3), layout("a/W", 3, "b/W", 2)));
        assertTrue(size.getMessage().contains("a/W has 2 values in the checkpoint and 3 in the network"), size.getMessage());
        IllegalArgumentException extra = assertThrows(IllegalArgumentException.class,
                () -> LayoutRemap.between(layout("a/W", 2, "b/W", 3), layout("a/W", 2)));
        assertTrue(extra.getMessage().contains("b/W is not in the network"), extra.getMessage());
    }

    @Test
    void aStartKeepsTheTargetsOwnValuesWhereAnAllowedTensorChangedSize() {
        ParameterLayout written = layout("conv/W", 2, "logits/W", 3, "logits/b", 1);
        ParameterLayout network = layout("logits/W", 4, "conv/W", 2, "logits/b", 2);
        LayoutRemap remap = LayoutRemap.startingFrom(written, network, s -> s.name().startsWith("logits/"));
        assertEquals(List.of("logits/W", "logits/b"), remap.kept());
        float[] fresh = {-1, -2, -3, -4, -5, -6, -7, -8};
        assertArrayEquals(new float[] {-1, -2, -3, -4, 1, 2, -7, -8}, remap.applyOnto(new float[] {1, 2, 3, 4, 5, 6}, fresh));
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class, () -> LayoutRemap.startingFrom(
                layout("conv/W", 2, "logits/W", 3), layout("conv/W", 3, "logits/W", 3), s -> s.name().startsWith("logits/")));
        assertTrue(other.getMessage().contains("conv/W has 2 values in the checkpoint and 3 in the network"), other.getMessage());
    }
}

package org.inceptionspark.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.inceptionspark.runtime.PrimitiveArena.Role;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The checks between the oneDNN layers and native memory: every buffer the arena hands out is
 * aligned for oneDNN's non-temporal stores, whatever the allocator; a buffer smaller than its
 * argument's descriptor is refused before the primitive runs, naming the call, the argument
 * and both sizes; and a refused shape goes to DL4J's path.
 */
class BufferGuardTest {
    @Test
    void arenaBuffersAreAlignedForEverySizeAndAfterGrowing() {
        NativeRuntime.configure();
        PrimitiveArena.with(arena -> {
            // small ones come from malloc's heap, large ones from mmap (glibc: 16 bytes past a page)
            for (long bytes : new long[] {100, 4_000, 130_000, 1L << 20, 9L << 20, 33L << 20}) {
                for (Role role : Role.values()) {
                    Span s = arena.address(role, bytes);
                    assertEquals(0, s.address() % Dnnl.ALIGNMENT, role + ", " + bytes + " bytes at " + s.address());
                    assertTrue(s.bytes() >= bytes, role + ": " + s.bytes() + " < " + bytes);
                }
            }
        });
    }

    @Test
    void aBufferSmallerThanItsDescriptorIsRefusedBeforeAnythingRuns() {
        NativeRuntime.configure();
        ConvolutionPlan plan = new OneDnnConvolution(DataType.FLOAT).plan(2, 8, 9, 9, 16, false,
                new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, ConvolutionMode.Same, new int[] {1, 1});
        assertNotNull(plan);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 8, 9, 9);
        INDArray w = Nd4j.rand(DataType.FLOAT, 16, 8, 3, 3);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 2, 16, 9, 9);
        Span shortDst = new Span(Span.of(y).address(), Span.of(y).bytes() - 4);
        OneDnnBufferException e = assertThrows(OneDnnBufferException.class,
                () -> plan.forward(Span.of(x), Span.of(w), Span.NONE, shortDst));
        String m = e.getMessage();
        long needed = 2L * 16 * 9 * 9 * 4;
        assertTrue(m.contains(plan.shape().toString()) && m.contains("DST")
                && m.contains(needed + " bytes") && m.contains("owns " + (needed - 4)), m);
        assertEquals(0, y.sumNumber().doubleValue(), "nothing was written");

        // a view's span reaches to its buffer's end, not past it
        INDArray slice = Nd4j.rand(DataType.FLOAT, 3, 2, 8, 9, 9).get(org.nd4j.linalg.indexing.NDArrayIndex.point(2));
        assertEquals(2L * 8 * 9 * 9 * 4, Span.of(slice).bytes());
    }

    @Test
    void aRefusedShapeGoesToDl4jsPathUnlessStrict() {
        PlanCache<String, String> cache = new PlanCache<>("layer_7", s -> "plan of " + s, p -> p);
        assertEquals("plan of a", cache.get("a"));
        OneDnnBufferException failure = new OneDnnBufferException("x forward", "DST", 100, 96);
        String strict = System.getProperty(PlanCache.STRICT);
        try {
            System.setProperty(PlanCache.STRICT, "true");
            OneDnnBufferException thrown = assertThrows(OneDnnBufferException.class, () -> cache.refuse("a", failure));
            assertTrue(thrown.getMessage().startsWith("layer layer_7: oneDNN x forward: argument DST needs 100 bytes"),
                    thrown.getMessage());
            assertEquals("plan of a", cache.get("a"), "under strict nothing is refused");
            System.setProperty(PlanCache.STRICT, "false");
            cache.refuse("a", failure);
            assertNull(cache.get("a"), "DL4J's helper runs a refused shape");
            assertEquals("plan of b", cache.get("b"));
        } finally {
            if (strict == null) {
                System.clearProperty(PlanCache.STRICT);
            } else {
                System.setProperty(PlanCache.STRICT, strict);
            }
        }
        PlanCache<String, String> failing = new PlanCache<>("layer_8", s -> {
            throw new IllegalStateException("oneDNN dnnl_primitive_create failed with status 3");
        }, p -> p);
        assertNull(failing.get("c"), "a plan that cannot be built is no plan");
    }
}

package org.inceptionspark.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * How the direct exchange cuts the weights and the message: bounded pieces, at least one per
 * task; the decoding of streamed floats. Its transfers run in SyncEquivalenceTest and
 * SyncEquivalenceOnClusterIT.
 */
class DirectExchangeTest {
    @Test
    void piecesAreBoundedWhateverTheTaskCount() {
        int inceptionV3 = 23_869_000;
        for (int blocks : new int[] {1, 2, 25, 50}) {
            SliceRanges r = DirectExchange.pieces(inceptionV3, blocks);
            assertEquals(Math.max(blocks, (inceptionV3 + DirectExchange.PIECE_FLOATS - 1) / DirectExchange.PIECE_FLOATS),
                    r.slices(), "blocks " + blocks);
            int covered = 0;
            for (int p = 0; p < r.slices(); p++) {
                assertTrue(r.size(p) <= DirectExchange.PIECE_FLOATS, "piece " + p + " of " + r.size(p));
                assertEquals(covered, r.from(p));
                covered += r.size(p);
            }
            assertEquals(inceptionV3, covered);
        }
    }

    @Test
    void everyTaskOwnsAPieceOfASmallVectorAndNoPieceIsEmpty() {
        assertEquals(4, DirectExchange.pieces(1_000, 4).slices());
        assertEquals(3, DirectExchange.pieces(3, 8).slices());
        assertEquals(1, DirectExchange.pieces(1, 1).slices());
        SliceRanges r = DirectExchange.pieces(3, 8);
        for (int p = 0; p < r.slices(); p++) {
            assertEquals(1, r.size(p));
        }
    }

    @Test
    void floatsSplitAcrossNetworkBuffersAreDecodedWhole() throws Exception {
        float[] sent = {1.5f, -0.0f, Float.NaN, Float.MIN_VALUE, 3.4e38f, -7.25f, 42f};
        byte[] bytes = new byte[4 * sent.length];
        java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(sent);
        // every way of cutting the stream into three buffers, floats split anywhere
        for (int a = 0; a <= bytes.length; a++) {
            for (int b = a; b <= bytes.length; b++) {
                float[] into = new float[sent.length + 2];
                boolean[] done = new boolean[1];
                DirectExchange.FloatSink sink = new DirectExchange.FloatSink("t", into, 1, sent.length, s -> done[0] = true,
                        e -> { });
                sink.onData("t", java.nio.ByteBuffer.wrap(bytes, 0, a).slice());
                sink.onData("t", java.nio.ByteBuffer.wrap(bytes, a, b - a).slice());
                sink.onData("t", java.nio.ByteBuffer.wrap(bytes, b, bytes.length - b).slice());
                sink.onComplete("t");
                assertTrue(done[0]);
                assertEquals(0f, into[0]);
                assertEquals(0f, into[into.length - 1]);
                for (int i = 0; i < sent.length; i++) {
                    assertEquals(Float.floatToRawIntBits(sent[i]), Float.floatToRawIntBits(into[i + 1]), "cut " + a + "/" + b);
                }
            }
        }
    }

    @Test
    void aStreamLongerOrShorterThanItsHeaderSaysFails() {
        DirectExchange.FloatSink longer = new DirectExchange.FloatSink("slice 3", new float[2], 0, 2, s -> { }, e -> { });
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> longer.onData("slice 3", java.nio.ByteBuffer.allocate(12)));
        assertTrue(e.getMessage().contains("slice 3"), e.getMessage());
        DirectExchange.FloatSink shorter = new DirectExchange.FloatSink("slice 4", new float[2], 0, 2, s -> { }, x -> { });
        org.junit.jupiter.api.Assertions.assertDoesNotThrow(() -> shorter.onData("slice 4", java.nio.ByteBuffer.allocate(6)));
        e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> shorter.onComplete("slice 4"));
        assertTrue(e.getMessage().contains("slice 4") && e.getMessage().contains("short"), e.getMessage());
    }
}

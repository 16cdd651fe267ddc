package org.inceptionspark.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.inceptionspark.config.ClusterConfig.Precision;
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

    /**
     * A body goes out as the bytes {@link DirectExchange#body} gives, whatever the channel takes
     * per write: a write taking part of a piece resumes inside it, a float may be cut anywhere, and
     * two bodies going out by turns on one thread (which share its scratch piece) do not mix.
     */
    @Test
    void aBodyGoesOutAsItsBytesWhateverEachWriteTakes() throws Exception {
        int floats = DirectExchange.FloatsRegion.CHUNK_BYTES / 2 + 77;
        float[] values = new float[floats + 5];
        java.util.Random random = new java.util.Random(3);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian() * 100f;
        }
        for (Precision precision : Precision.values()) {
            java.nio.ByteBuffer[] expected = {DirectExchange.body(precision, values, 5, floats),
                    DirectExchange.body(precision, values, 0, floats - 9)};
            for (int most : new int[] {1, 3, 7, 4096, DirectExchange.FloatsRegion.CHUNK_BYTES - 1,
                    DirectExchange.FloatsRegion.CHUNK_BYTES, Integer.MAX_VALUE}) {
                java.io.ByteArrayOutputStream[] out = {new java.io.ByteArrayOutputStream(), new java.io.ByteArrayOutputStream()};
                DirectExchange.FloatsRegion[] regions = {
                        (DirectExchange.FloatsRegion) new DirectExchange.FloatsBody(precision, values, 5, floats).convertToNetty(),
                        (DirectExchange.FloatsRegion) new DirectExchange.FloatsBody(precision, values, 0, floats - 9)
                                .convertToNetty()};
                // by turns of about 4 KB, each turn a body's piece is encoded again
                int calls = Math.max(1, 4096 / most);
                for (boolean left = true; left; ) {
                    left = false;
                    for (int r = 0; r < 2; r++) {
                        for (int c = 0; c < calls && regions[r].transferred() < regions[r].count(); c++) {
                            assertTrue(regions[r].transferTo(taking(most, out[r]), regions[r].transferred()) > 0,
                                    precision + ", " + most + " a write");
                            left = true;
                        }
                    }
                }
                for (int r = 0; r < 2; r++) {
                    assertEquals(0, regions[r].transferTo(taking(most, out[r]), regions[r].count()));
                    assertTrue(java.util.Arrays.equals(expected[r].array(), out[r].toByteArray()), precision + ", at most "
                            + most + " bytes a write, body " + r);
                    regions[r].release();
                }
            }
        }
    }

    /** A channel that takes at most {@code most} bytes a write, into {@code out}. */
    static ByteSink taking(int most, java.io.ByteArrayOutputStream out) {
        return new ByteSink() {
            @Override
            public int write(java.nio.ByteBuffer src) {
                byte[] taken = new byte[Math.min(most, src.remaining())];
                src.get(taken);
                out.write(taken, 0, taken.length);
                return taken.length;
            }
        };
    }

    @Test
    void floatsSplitAcrossNetworkBuffersAreDecodedWholeAtEitherPrecision() throws Exception {
        float[] sent = {1.5f, -0.0f, Float.NaN, Float.MIN_VALUE, 3.4e38f, -7.25f, 42f, 1.00390625f, Float.NEGATIVE_INFINITY};
        for (Precision precision : Precision.values()) {
            java.nio.ByteBuffer body = DirectExchange.body(precision, sent, 0, sent.length);
            byte[] bytes = new byte[body.remaining()];
            body.get(bytes);
            assertEquals(precision.bytesPerFloat() * sent.length, bytes.length, precision.name());
            // every way of cutting the stream into three buffers, values split anywhere
            for (int a = 0; a <= bytes.length; a++) {
                for (int b = a; b <= bytes.length; b++) {
                    float[] into = new float[sent.length + 2];
                    boolean[] done = new boolean[1];
                    DirectExchange.FloatSink sink = new DirectExchange.FloatSink("t", into, 1, sent.length, precision,
                            s -> done[0] = true, e -> { });
                    sink.onData("t", java.nio.ByteBuffer.wrap(bytes, 0, a).slice());
                    sink.onData("t", java.nio.ByteBuffer.wrap(bytes, a, b - a).slice());
                    sink.onData("t", java.nio.ByteBuffer.wrap(bytes, b, bytes.length - b).slice());
                    sink.onComplete("t");
                    assertTrue(done[0]);
                    assertEquals(0f, into[0]);
                    assertEquals(0f, into[into.length - 1]);
                    for (int i = 0; i < sent.length; i++) {
                        float expected = precision == Precision.FLOAT32 ? sent[i]
                                : DirectExchange.widen(DirectExchange.bfloat16(sent[i]));
                        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(into[i + 1]),
                                precision + " cut " + a + "/" + b);
                    }
                }
            }
        }
    }

    @Test
    void bfloat16RoundsToNearestEvenKeepingInfinitiesAndNaN() {
        assertEquals((short) 0x3f80, DirectExchange.bfloat16(1.0f));
        // exactly halfway: to the even neighbour, down here and up there
        assertEquals((short) 0x3f80, DirectExchange.bfloat16(Float.intBitsToFloat(0x3f808000)));
        assertEquals((short) 0x3f82, DirectExchange.bfloat16(Float.intBitsToFloat(0x3f818000)));
        assertEquals((short) 0x3f81, DirectExchange.bfloat16(Float.intBitsToFloat(0x3f808001)));
        assertEquals((short) 0xbf81, DirectExchange.bfloat16(Float.intBitsToFloat(0xbf808001)));
        assertEquals((short) 0x8000, DirectExchange.bfloat16(-0.0f));
        assertEquals((short) 0x7f80, DirectExchange.bfloat16(Float.POSITIVE_INFINITY));
        assertEquals((short) 0xff80, DirectExchange.bfloat16(Float.NEGATIVE_INFINITY));
        // beyond bfloat16's largest finite value: infinity, as a float32 overflow would be
        assertEquals((short) 0x7f80, DirectExchange.bfloat16(Float.MAX_VALUE));
        assertTrue(Float.isNaN(DirectExchange.widen(DirectExchange.bfloat16(Float.NaN))));
        // a NaN whose set payload bits are all in the lower half
        assertTrue(Float.isNaN(DirectExchange.widen(DirectExchange.bfloat16(Float.intBitsToFloat(0x7f800001)))));
        // against the definition, on values spread over the whole range: the nearer of the two
        // bfloat16 neighbours, the even one on a tie
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            float f = Float.intBitsToFloat(random.nextInt());
            if (Float.isNaN(f) || Float.isInfinite(f)) {
                continue;
            }
            int down = Float.floatToRawIntBits(f) & 0xffff0000;
            double lo = Float.intBitsToFloat(down);
            // above the largest bfloat16 the upper neighbour is 2^128, which rounds to infinity
            double hi = ((down + 0x10000) & 0x7fffffff) == 0x7f800000 ? Math.copySign(Math.scalb(1.0, 128), f)
                    : Float.intBitsToFloat(down + 0x10000);
            double dLo = Math.abs(f - lo);
            double dHi = Math.abs(hi - f);
            int expected = dLo < dHi || dLo == dHi && ((down >>> 16) & 1) == 0 ? down : down + 0x10000;
            assertEquals(Float.intBitsToFloat(expected), DirectExchange.widen(DirectExchange.bfloat16(f)), "bits "
                    + Integer.toHexString(Float.floatToRawIntBits(f)));
        }
    }

    /**
     * One piece sent to several endpoints (an owner forwarding weights to the other tasks) is
     * encoded once and read whole by each, at either width, over real connections.
     */
    @Test
    @org.junit.jupiter.api.Timeout(120)
    void onePieceReachesEveryPeerWholeAtEitherPrecision() throws Exception {
        onePieceReachesEveryPeer(new org.apache.spark.SparkConf().set("spark.app.id", "direct-exchange-test"));
    }

    /** The same over connections authenticated and encrypted ({@link ExchangeCipher}), as a closed cluster runs. */
    @Test
    @org.junit.jupiter.api.Timeout(120)
    void onePieceReachesEveryPeerWholeOverEncryptedConnections() throws Exception {
        onePieceReachesEveryPeer(ExchangeCipherTest.closed("direct-exchange-test", "a shared secret"));
        onePieceReachesEveryPeer(ExchangeCipherTest.closed("direct-exchange-test", "a shared secret")
                .set("spark.network.crypto.cipher", "AES/GCM/NoPadding"));
    }

    private static void onePieceReachesEveryPeer(org.apache.spark.SparkConf conf) throws Exception {
        org.apache.spark.SecurityManager security = ExchangeCipherTest.security(conf);
        float[] values = new float[3 * DirectExchange.PIECE_FLOATS / 2 + 3];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) Math.sin(i) * 1e3f;
        }
        try (DirectExchange.Endpoint a = new DirectExchange.Endpoint(conf, security, "127.0.0.1");
             DirectExchange.Endpoint b = new DirectExchange.Endpoint(conf, security, "127.0.0.1");
             DirectExchange.Endpoint c = new DirectExchange.Endpoint(conf, security, "127.0.0.1")) {
            for (Precision precision : Precision.values()) {
                int slice = precision.ordinal();
                java.util.List<java.util.concurrent.CompletableFuture<Void>> sent = a.sendFloats(
                        java.util.List.of(b.address(), c.address()), DirectExchange.WEIGHT_PART, 1, 0, 5, slice, 0, values, 3,
                        values.length - 3, precision);
                assertEquals(2, sent.size());
                DirectExchange.await(sent, null, "sending a piece to two endpoints");
                for (DirectExchange.Endpoint to : java.util.List.of(b, c)) {
                    float[] got = to.take(new DirectExchange.Key(1, 0, 5, DirectExchange.WEIGHT_PART, slice, 0), null, "the piece");
                    assertEquals(values.length - 3, got.length, precision.name());
                    for (int i = 0; i < got.length; i++) {
                        float expected = precision == Precision.FLOAT32 ? values[i + 3]
                                : DirectExchange.widen(DirectExchange.bfloat16(values[i + 3]));
                        assertEquals(expected, got[i], precision + " value " + i);
                    }
                    MessageBuffers.giveBack(got);
                }
            }
            assertTrue(a.sendFloats(java.util.List.of(), DirectExchange.WEIGHT_PART, 1, 0, 5, 9, 0, values, 0, 1,
                    Precision.FLOAT32).isEmpty());
        }
    }

    @Test
    void aStreamLongerOrShorterThanItsHeaderSaysFails() {
        DirectExchange.FloatSink longer = new DirectExchange.FloatSink("slice 3", new float[2], 0, 2, Precision.FLOAT32, s -> { }, e -> { });
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> longer.onData("slice 3", java.nio.ByteBuffer.allocate(12)));
        assertTrue(e.getMessage().contains("slice 3"), e.getMessage());
        DirectExchange.FloatSink shorter = new DirectExchange.FloatSink("slice 4", new float[2], 0, 2, Precision.FLOAT32, s -> { }, x -> { });
        org.junit.jupiter.api.Assertions.assertDoesNotThrow(() -> shorter.onData("slice 4", java.nio.ByteBuffer.allocate(6)));
        e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> shorter.onComplete("slice 4"));
        assertTrue(e.getMessage().contains("slice 4") && e.getMessage().contains("short"), e.getMessage());
    }
}

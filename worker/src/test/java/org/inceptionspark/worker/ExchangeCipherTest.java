package org.inceptionspark.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import javax.crypto.spec.SecretKeySpec;
import org.apache.spark.SparkConf;
import org.inceptionspark.config.ClusterConfig.Precision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The direct exchange's encrypted frames: what one end seals the other opens, whatever the cut of
 * the bytes; a changed, reordered or oversized frame closes the connection; an endpoint without
 * the application's secret gets no connection.
 */
class ExchangeCipherTest {
    static SparkConf closed(String appId, String secret) {
        return new SparkConf().set("spark.app.id", appId).set("spark.authenticate", "true")
                .set("spark.authenticate.secret", secret).set("spark.network.crypto.enabled", "true");
    }

    static org.apache.spark.SecurityManager security(SparkConf conf) {
        return new org.apache.spark.SecurityManager(conf, scala.Option.empty(),
                org.apache.spark.internal.config.package$.MODULE$.AUTH_SECRET_FILE());
    }

    private static final SecretKeySpec KEY = new SecretKeySpec(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
            16}, "AES");
    private static final byte[] SALT = {9, 8, 7, 6};

    /** One end of a connection: it seals what is written to it and opens what it reads. */
    private static EmbeddedChannel end(ExchangeCipher.Mode mode, byte[] firstFrame) throws Exception {
        return new EmbeddedChannel(new ExchangeCipher.Frames(mode, KEY, SALT, KEY, SALT, firstFrame));
    }

    /** The frames {@code messages} become on the wire, concatenated. */
    private static byte[] sealed(ExchangeCipher.Mode mode, byte[]... messages) throws Exception {
        return sealed(mode, java.util.Arrays.stream(messages).map(m -> (Object) Unpooled.wrappedBuffer(m)).toArray());
    }

    /** The frames {@code messages} (buffers or file regions, as Spark's encoder writes) become on the wire. */
    private static byte[] sealed(ExchangeCipher.Mode mode, Object... messages) throws Exception {
        EmbeddedChannel sender = end(mode, null);
        for (Object m : messages) {
            assertTrue(sender.writeOutbound(m));
        }
        return wire(sender);
    }

    /**
     * What {@code sender} puts on the wire: each message it queued written out as a socket would,
     * in pieces of at most 64 KB (its frames are sealed as they go).
     */
    static byte[] wire(EmbeddedChannel sender) throws Exception {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        ByteSink socket = DirectExchangeTest.taking(65_536, bytes);
        for (Object m; (m = sender.readOutbound()) != null; ) {
            io.netty.channel.FileRegion r = (io.netty.channel.FileRegion) m;
            while (r.transferred() < r.count()) {
                assertTrue(r.transferTo(socket, r.transferred()) > 0);
            }
            r.release();
        }
        return bytes.toByteArray();
    }

    /** The bytes of every buffer {@code next} gives until it gives none, in order, each released. */
    private static byte[] drain(java.util.function.Supplier<ByteBuf> next) {
        ByteBuf all = Unpooled.buffer();
        for (ByteBuf b; (b = next.get()) != null; ) {
            all.writeBytes(b);
            b.release();
        }
        byte[] bytes = new byte[all.readableBytes()];
        all.readBytes(bytes);
        return bytes;
    }

    /** What the receiving end passes on after reading {@code wire} in pieces of {@code cut} bytes. */
    private static byte[] opened(ExchangeCipher.Mode mode, byte[] wire, int cut) throws Exception {
        EmbeddedChannel receiver = end(mode, null);
        for (int at = 0; at < wire.length; at += cut) {
            receiver.writeInbound(Unpooled.wrappedBuffer(wire, at, Math.min(cut, wire.length - at)));
        }
        return drain(receiver::readInbound);
    }

    @Test
    void whatOneEndSealsTheOtherOpensWhateverTheCut() throws Exception {
        for (ExchangeCipher.Mode mode : ExchangeCipher.Mode.values()) {
            whatOneEndSealsTheOtherOpens(mode);
        }
    }

    private static void whatOneEndSealsTheOtherOpens(ExchangeCipher.Mode mode) throws Exception {
        Random random = new Random(7);
        byte[] big = new byte[2 * ExchangeCipher.FRAME + 12_345];
        random.nextBytes(big);
        byte[] small = {42};
        java.nio.file.Path file = java.nio.file.Files.createTempFile("exchange-cipher", ".bin");
        try {
            java.nio.file.Files.write(file, big);
            ByteBuf direct = Unpooled.directBuffer(big.length).writeBytes(big);
            // from arrays, from a direct buffer, through a file region (how Spark writes a header and a
            // body), and a header before a body
            byte[] wire = sealed(mode, Unpooled.wrappedBuffer(big), Unpooled.wrappedBuffer(small), direct,
                    new io.netty.channel.DefaultFileRegion(file.toFile(), 0, big.length),
                    Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(small), Unpooled.wrappedBuffer(big)));
            assertEquals(4 * big.length + 2 * small.length + 13 * (4 + mode.tag), wire.length, mode + ": three frames each"
                    + " message holding the big one, one the small");
            java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
            expected.write(big);
            expected.write(small);
            expected.write(big);
            expected.write(big);
            expected.write(small);
            expected.write(big);
            opensWhateverTheCut(mode, wire, expected.toByteArray());
        } finally {
            java.nio.file.Files.delete(file);
        }
    }

    private static void opensWhateverTheCut(ExchangeCipher.Mode mode, byte[] wire, byte[] expected) throws Exception {
        byte[] head = java.util.Arrays.copyOf(expected, 64);
        for (int cut : new int[] {1, 3, 4, 5, 17, 4096, ExchangeCipher.FRAME + 19, wire.length}) {
            assertArrayEquals(expected, opened(mode, wire, cut), mode + ": bytes read " + cut + " at a time");
        }
        // the plaintext is hidden
        assertFalse(java.util.Arrays.equals(java.util.Arrays.copyOfRange(wire, 4, 4 + 64), head));
    }

    /** A frame is its bytes under the standard cipher, whatever the calls the seal was cut into. */
    @Test
    void aFrameIsItsPlaintextUnderTheStandardCipher() throws Exception {
        Random random = new Random(11);
        for (ExchangeCipher.Mode mode : ExchangeCipher.Mode.values()) {
            for (int length : new int[] {1, ExchangeCipher.CALL - 1, ExchangeCipher.CALL, ExchangeCipher.CALL + 1,
                    3 * ExchangeCipher.CALL + 5, ExchangeCipher.FRAME}) {
                byte[] plain = new byte[length];
                random.nextBytes(plain);
                byte[] wire = sealed(mode, plain);
                assertEquals(4 + length + mode.tag, wire.length, mode + ", " + length + " bytes: one frame");
                javax.crypto.Cipher standard = javax.crypto.Cipher.getInstance(mode.transformation);
                standard.init(javax.crypto.Cipher.DECRYPT_MODE, KEY, mode.nonce(SALT, 0));
                if (mode == ExchangeCipher.Mode.GCM) {
                    standard.updateAAD(wire, 0, 4);
                }
                assertArrayEquals(plain, standard.doFinal(wire, 4, wire.length - 4), mode + ", " + length + " bytes");
            }
        }
    }

    /** Under AES-GCM (spark.network.crypto.cipher), which authenticates every frame. */
    @Test
    void aChangedOrReorderedFrameClosesTheConnection() throws Exception {
        byte[] first = "the first message".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] second = "the second message".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] wire = sealed(ExchangeCipher.Mode.GCM, first, second);
        for (int at : new int[] {0, 3, 4, 10, 4 + first.length + 15, wire.length - 1}) {
            byte[] changed = wire.clone();
            changed[at] ^= 0x10;
            assertRefused(changed, "byte " + at + " changed");
        }
        int firstFrame = 4 + first.length + 16;
        byte[] swapped = new byte[wire.length];
        System.arraycopy(wire, firstFrame, swapped, 0, wire.length - firstFrame);
        System.arraycopy(wire, 0, swapped, wire.length - firstFrame, firstFrame);
        assertRefused(swapped, "frames swapped");
        byte[] oversized = {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2, 3};
        for (ExchangeCipher.Mode mode : ExchangeCipher.Mode.values()) {
            Exception e = assertRefused(mode, null, oversized, mode + ": a length beyond a frame");
            assertTrue(e.getMessage().contains("2147483647"), e.getMessage());
        }
    }

    /** The server reads nothing from a client until the client's first frame proves it holds the secret. */
    @Test
    void theClientsFirstFrameMustBeItsProof() throws Exception {
        byte[] proof = new byte[32];
        new Random(3).nextBytes(proof);
        byte[] request = "a request".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (ExchangeCipher.Mode mode : ExchangeCipher.Mode.values()) {
            EmbeddedChannel server = end(mode, proof);
            server.writeInbound(Unpooled.wrappedBuffer(sealed(mode, proof, request)));
            ByteBuf passed = server.readInbound();
            byte[] got = new byte[passed.readableBytes()];
            passed.readBytes(got).release();
            assertArrayEquals(request, got, mode + ": the proof is consumed, the request passed on");
            byte[] wrong = proof.clone();
            wrong[5] ^= 1;
            Exception e = assertRefused(mode, proof, sealed(mode, wrong, request), mode + ": a wrong proof");
            assertTrue(e.getMessage().contains("secret"), e.getMessage());
            assertRefused(mode, proof, sealed(mode, request), mode + ": no proof");
        }
    }

    private static Exception assertRefused(byte[] wire, String what) throws Exception {
        return assertRefused(ExchangeCipher.Mode.GCM, null, wire, what);
    }

    private static Exception assertRefused(ExchangeCipher.Mode mode, byte[] firstFrame, byte[] wire, String what)
            throws Exception {
        EmbeddedChannel receiver = end(mode, firstFrame);
        Exception e = assertThrows(Exception.class, () -> {
            receiver.writeInbound(Unpooled.wrappedBuffer(wire));
            receiver.checkException();
        }, what);
        assertTrue(e.getMessage().contains("direct exchange"), what + ": " + e.getMessage());
        assertFalse(receiver.isOpen(), what + ": the connection must be closed");
        ByteBuf leaked = receiver.readInbound();
        assertTrue(leaked == null || firstFrame == null && leaked.readableBytes() <= 18, what
                + ": at most the frames before the change pass, none before the proof");
        return e;
    }

    /** An endpoint that does not hold the application's secret neither connects nor is connected to. */
    @Test
    @Timeout(120)
    void anEndpointWithoutTheSecretIsRefused() throws Exception {
        SparkConf ours = closed("cipher-test", "the secret");
        SparkConf theirs = closed("cipher-test", "another secret");
        anEndpointWithoutTheSecretIsRefused(ours, theirs);
        String gcm = "AES/GCM/NoPadding";
        anEndpointWithoutTheSecretIsRefused(ours.clone().set("spark.network.crypto.cipher", gcm),
                theirs.clone().set("spark.network.crypto.cipher", gcm));
    }

    @Test
    void aCipherTheExchangeDoesNotKnowIsNamed() {
        SparkConf conf = closed("cipher-test", "the secret").set("spark.network.crypto.cipher", "AES/CBC/PKCS5Padding");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DirectExchange.Endpoint(conf, security(conf), "127.0.0.1").close());
        assertTrue(e.getMessage().contains("spark.network.crypto.cipher") && e.getMessage().contains("AES/CBC/PKCS5Padding"),
                e.getMessage());
    }

    private static void anEndpointWithoutTheSecretIsRefused(SparkConf ours, SparkConf theirs) throws Exception {
        float[] values = {1f, 2f, 3f};
        try (DirectExchange.Endpoint a = new DirectExchange.Endpoint(ours, security(ours), "127.0.0.1");
             DirectExchange.Endpoint b = new DirectExchange.Endpoint(ours, security(ours), "127.0.0.1");
             DirectExchange.Endpoint stranger = new DirectExchange.Endpoint(theirs, security(theirs), "127.0.0.1")) {
            List<CompletableFuture<Void>> sent = new ArrayList<>(a.sendFloats(List.of(b.address()), DirectExchange.WEIGHT_PART,
                    1, 0, 1, 0, 0, values, 0, 3, Precision.FLOAT32));
            DirectExchange.await(sent, null, "sending to an endpoint of the same application");
            MessageBuffers.giveBack(b.take(new DirectExchange.Key(1, 0, 1, DirectExchange.WEIGHT_PART, 0, 0), null, "the piece"));
            for (DirectExchange.Endpoint[] pair : new DirectExchange.Endpoint[][] {{a, stranger}, {stranger, a}}) {
                List<CompletableFuture<Void>> refused = pair[0].sendFloats(List.of(pair[1].address()),
                        DirectExchange.WEIGHT_PART, 1, 0, 2, 0, 0, values, 0, 3, Precision.FLOAT32);
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> DirectExchange.await(refused, null, "sending across secrets"));
                assertTrue(e.getMessage().contains("secret"), e.getMessage());
                assertEquals(null, pair[1].take(new DirectExchange.Key(1, 0, 2, DirectExchange.WEIGHT_PART, 0, 0), null,
                        "a piece that must not arrive"));
            }
        }
    }
}

package org.inceptionspark.worker;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.X509EncodedKeySpec;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.apache.spark.network.client.RpcResponseCallback;
import org.apache.spark.network.client.TransportClient;
import org.apache.spark.network.client.TransportClientBootstrap;
import org.apache.spark.network.server.AbstractAuthRpcHandler;
import org.apache.spark.network.server.RpcHandler;
import org.apache.spark.network.server.TransportServerBootstrap;

/**
 * The direct exchange's encryption when Spark's is on ({@code spark.authenticate} and {@code
 * spark.network.crypto.enabled}), with Spark's cipher ({@code spark.network.crypto.cipher}: AES-CTR
 * by default, AES-GCM to authenticate every byte) and the same construction as Spark's own auth
 * protocol (an ephemeral X25519 agreement bound to the application's secret, an AES-128 key for
 * each direction). The bytes travel in frames of up to {@link #FRAME} bytes, each sealed by the
 * JDK's cipher on whole arrays ({@link FrameCipher}) as the socket takes the one before it
 * ({@link Sealed}): Spark's own framing (commons-crypto streams over 32 KB
 * pieces, a new array for each read) made the steps of this exchange's hundreds of megabytes
 * erratic on a loaded executor (docs/performance.md). Every frame is numbered by its nonce; under
 * AES-GCM a changed, dropped, replayed or reordered frame fails the connection.
 *
 * <p>Handshake, as one RPC on the fresh connection before anything else: the client sends its
 * application id, public key and nonce; the server, if the application is its own, answers its
 * public key, nonce and a proof (a MAC under the derived key), which the client checks; the
 * client's first frame is its own proof, which the server checks before it reads anything else.
 * Keys: {@code prk = HMAC-SHA256(secret, x25519 || H)} with {@code H} the hash of the transcript,
 * each key, nonce prefix or proof {@code HMAC-SHA256(prk, label || H)}.
 */
final class ExchangeCipher {
    /** The most plaintext bytes one frame seals: large enough that a frame's set-up is noise, small enough to buffer. */
    static final int FRAME = 256 * 1024;
    /** The most bytes one AES-CTR call of the JDK's cipher takes ({@link FrameCipher}). */
    static final int CALL = 16 * 1024;
    private static final int KEY_BYTES = 16;
    private static final int NONCE_BYTES = 16;
    private static final int MAGIC = 0x49534531;
    private static final byte[] LABEL = "inception-spark direct exchange v1".getBytes(StandardCharsets.UTF_8);
    private static final SecureRandom RANDOM = new SecureRandom();

    private ExchangeCipher() {
    }

    /** The client's side: authenticates the server and encrypts the connection before its first request. */
    static TransportClientBootstrap client(String appId, String secret, Mode mode, long timeoutMs) {
        return (client, channel) -> {
            try {
                KeyPair mine = keyPair();
                byte[] pub = mine.getPublic().getEncoded();
                byte[] nonce = nonce();
                byte[] app = appId.getBytes(StandardCharsets.UTF_8);
                ByteBuffer hello = ByteBuffer.allocate(4 + 4 + app.length + 4 + pub.length + NONCE_BYTES);
                hello.putInt(MAGIC).putInt(app.length).put(app).putInt(pub.length).put(pub).put(nonce).flip();
                ByteBuffer answer = client.sendRpcSync(hello, timeoutMs);
                byte[] theirPub = field(answer, "public key");
                byte[] theirNonce = fixed(answer, NONCE_BYTES, "nonce");
                byte[] proof = fixed(answer, 32, "proof");
                Keys keys = Keys.derive(secret, app, pub, nonce, theirPub, theirNonce, agree(mine, theirPub));
                if (!MessageDigest.isEqual(proof, keys.proof)) {
                    throw new IllegalStateException("the direct exchange's endpoint at " + channel.remoteAddress()
                            + " does not hold this application's secret (spark.authenticate.secret)");
                }
                install(channel, mode, keys.clientToServer, keys.clientSalt, keys.serverToClient, keys.serverSalt, null);
                channel.writeAndFlush(io.netty.buffer.Unpooled.wrappedBuffer(keys.clientProof));
            } catch (GeneralSecurityException | RuntimeException e) {
                throw new IllegalStateException("cannot secure a connection to the direct exchange's endpoint at "
                        + channel.remoteAddress() + ": " + e.getMessage(), e);
            }
        };
    }

    /** The server's side: answers one handshake, then passes the decrypted requests to {@code delegate}. */
    static TransportServerBootstrap server(String appId, String secret, Mode mode) {
        return (channel, delegate) -> new Handshake(channel, delegate, appId, secret, mode);
    }

    /** How frames are sealed: Spark's {@code spark.network.crypto.cipher}, whose two values it knows. */
    enum Mode {
        CTR("AES/CTR/NoPadding", 0),
        GCM("AES/GCM/NoPadding", 16);

        final String transformation;
        /** The bytes a frame's seal adds: the authentication tag. */
        final int tag;

        Mode(String transformation, int tag) {
            this.transformation = transformation;
            this.tag = tag;
        }

        static Mode of(String transformation) {
            for (Mode m : values()) {
                if (m.transformation.equalsIgnoreCase(transformation)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("spark.network.crypto.cipher = " + transformation + ": the direct exchange"
                    + " encrypts with " + CTR.transformation + " or " + GCM.transformation);
        }

        /** The nonce of frame {@code counter}: a per-direction prefix and the count (and, for CTR, a block count from 0). */
        java.security.spec.AlgorithmParameterSpec nonce(byte[] salt, long counter) {
            byte[] iv = new byte[this == GCM ? 12 : 16];
            System.arraycopy(salt, 0, iv, 0, 4);
            for (int i = 0; i < 8; i++) {
                iv[11 - i] = (byte) (counter >>> (8 * i));
            }
            return this == GCM ? new GCMParameterSpec(8 * tag, iv) : new javax.crypto.spec.IvParameterSpec(iv);
        }
    }

    private static final class Handshake extends AbstractAuthRpcHandler {
        private final Channel channel;
        private final String appId;
        private final String secret;
        private final Mode mode;

        Handshake(Channel channel, RpcHandler delegate, String appId, String secret, Mode mode) {
            super(delegate);
            this.channel = channel;
            this.appId = appId;
            this.secret = secret;
            this.mode = mode;
        }

        @Override
        protected boolean doAuthChallenge(TransportClient client, ByteBuffer message, RpcResponseCallback callback) {
            try {
                if (message.remaining() < 4 || message.getInt() != MAGIC) {
                    throw new IllegalArgumentException("not the direct exchange's handshake");
                }
                byte[] app = field(message, "application id");
                if (!MessageDigest.isEqual(app, appId.getBytes(StandardCharsets.UTF_8))) {
                    throw new IllegalArgumentException("a handshake for another application");
                }
                byte[] theirPub = field(message, "public key");
                byte[] theirNonce = fixed(message, NONCE_BYTES, "nonce");
                KeyPair mine = keyPair();
                byte[] pub = mine.getPublic().getEncoded();
                byte[] nonce = nonce();
                Keys keys = Keys.derive(secret, app, theirPub, theirNonce, pub, nonce, agree(mine, theirPub));
                ByteBuffer answer = ByteBuffer.allocate(4 + pub.length + NONCE_BYTES + keys.proof.length);
                answer.putInt(pub.length).put(pub).put(nonce).put(keys.proof).flip();
                // on the channel's thread: the answer goes out in the clear before the handlers are in place
                callback.onSuccess(answer);
                install(channel, mode, keys.serverToClient, keys.serverSalt, keys.clientToServer, keys.clientSalt,
                        keys.clientProof);
                client.setClientId(appId);
                return true;
            } catch (GeneralSecurityException | RuntimeException e) {
                callback.onFailure(new IllegalArgumentException("the direct exchange refused the connection: " + e.getMessage()));
                channel.close();
                return false;
            }
        }
    }

    private static KeyPair keyPair() throws GeneralSecurityException {
        return KeyPairGenerator.getInstance("X25519").generateKeyPair();
    }

    private static byte[] nonce() {
        byte[] n = new byte[NONCE_BYTES];
        RANDOM.nextBytes(n);
        return n;
    }

    private static byte[] agree(KeyPair mine, byte[] theirPub) throws GeneralSecurityException {
        PublicKey theirs = KeyFactory.getInstance("X25519").generatePublic(new X509EncodedKeySpec(theirPub));
        KeyAgreement agreement = KeyAgreement.getInstance("X25519");
        agreement.init(mine.getPrivate());
        agreement.doPhase(theirs, true);
        return agreement.generateSecret();
    }

    /** A field of the handshake with its length before it; a few hundred bytes at most. */
    private static byte[] field(ByteBuffer in, String what) {
        if (in.remaining() < 4) {
            throw new IllegalArgumentException("the handshake ends before its " + what);
        }
        int length = in.getInt();
        if (length < 0 || length > 512) {
            throw new IllegalArgumentException("the handshake's " + what + " says " + length + " bytes");
        }
        return fixed(in, length, what);
    }

    private static byte[] fixed(ByteBuffer in, int length, String what) {
        if (in.remaining() < length) {
            throw new IllegalArgumentException("the handshake ends inside its " + what);
        }
        byte[] b = new byte[length];
        in.get(b);
        return b;
    }

    /** The keys and nonce prefixes of one connection, and each side's proof. */
    record Keys(SecretKeySpec clientToServer, byte[] clientSalt, SecretKeySpec serverToClient, byte[] serverSalt,
                byte[] proof, byte[] clientProof) {
        static Keys derive(String secret, byte[] app, byte[] clientPub, byte[] clientNonce, byte[] serverPub,
                           byte[] serverNonce, byte[] shared) throws GeneralSecurityException {
            MessageDigest transcript = MessageDigest.getInstance("SHA-256");
            for (byte[] part : new byte[][] {LABEL, app, clientPub, clientNonce, serverPub, serverNonce}) {
                transcript.update(ByteBuffer.allocate(4).putInt(part.length).array());
                transcript.update(part);
            }
            byte[] h = transcript.digest();
            byte[] prk = mac(secret.getBytes(StandardCharsets.UTF_8), shared, h);
            return new Keys(new SecretKeySpec(expand(prk, "client to server key", h, KEY_BYTES), "AES"),
                    expand(prk, "client to server nonce", h, 4),
                    new SecretKeySpec(expand(prk, "server to client key", h, KEY_BYTES), "AES"),
                    expand(prk, "server to client nonce", h, 4), expand(prk, "server proof", h, 32),
                    expand(prk, "client proof", h, 32));
        }

        private static byte[] expand(byte[] prk, String label, byte[] h, int bytes) throws GeneralSecurityException {
            return java.util.Arrays.copyOf(mac(prk, label.getBytes(StandardCharsets.UTF_8), h), bytes);
        }

        private static byte[] mac(byte[] key, byte[] a, byte[] b) throws GeneralSecurityException {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(a);
            return mac.doFinal(b);
        }
    }

    /**
     * One direction's cipher, as the sealing and the opening end both use it: numbers the frames
     * by their nonces and seals or opens each whole. AES-CTR goes through the JDK in calls of
     * {@link #CALL} bytes: the JIT swaps the JDK's CTR loop for its AES-NI routine only inside
     * compiled callers, and at one call per frame an executor's callers stayed uncompiled for
     * dozens of steps, ciphering block by block (docs/performance.md). AES-GCM, whose routine is
     * called from within its own loop, takes a frame in one call.
     */
    static final class FrameCipher {
        private final Mode mode;
        private final int direction;
        private final Cipher cipher;
        private final SecretKeySpec key;
        private final byte[] salt;
        private long frames;

        /** @param direction {@link Cipher#ENCRYPT_MODE} to seal, {@link Cipher#DECRYPT_MODE} to open */
        FrameCipher(Mode mode, int direction, SecretKeySpec key, byte[] salt) throws GeneralSecurityException {
            this.mode = mode;
            this.direction = direction;
            this.cipher = Cipher.getInstance(mode.transformation);
            this.key = key;
            this.salt = salt;
        }

        /**
         * The next frame: {@code length} bytes of {@code in} sealed or opened into {@code out},
         * its length field {@code head[headAt..headAt+4)} authenticated under AES-GCM; returns
         * the bytes written.
         */
        int next(byte[] head, int headAt, byte[] in, int inAt, int length, byte[] out, int outAt)
                throws GeneralSecurityException {
            cipher.init(direction, key, mode.nonce(salt, frames++));
            if (mode == Mode.GCM) {
                cipher.updateAAD(head, headAt, 4);
                return cipher.doFinal(in, inAt, length, out, outAt);
            }
            int read = 0;
            int written = 0;
            while (length - read > CALL) {
                written += cipher.update(in, inAt + read, CALL, out, outAt + written);
                read += CALL;
            }
            return written + cipher.doFinal(in, inAt + read, length - read, out, outAt + written);
        }

        /** Frames sealed or opened so far. */
        long frames() {
            return frames;
        }
    }

    /**
     * Puts the frames' sealing and opening next to the socket, below Spark's message codec; {@code
     * firstFrame}, when not null, is what the peer's first frame must hold (the client's proof).
     */
    static void install(Channel channel, Mode mode, SecretKeySpec outKey, byte[] outSalt, SecretKeySpec inKey, byte[] inSalt,
                        byte[] firstFrame) throws GeneralSecurityException {
        channel.pipeline().addFirst("inceptionExchangeCipher", new Frames(mode, outKey, outSalt, inKey, inSalt, firstFrame));
    }

    /**
     * Turns each outgoing message (Spark's encoder writes a buffer, or a header and a body) into
     * frames of {@code length, sealed plaintext} (under AES-GCM with the length as associated data),
     * sealed as they go out ({@link Sealed}); opens the incoming frames as their bytes arrive,
     * whatever their cut, and passes the plaintext on.
     */
    static final class Frames extends ChannelDuplexHandler {
        private final Sealer out;
        private final Opener in;

        Frames(Mode mode, SecretKeySpec outKey, byte[] outSalt, SecretKeySpec inKey, byte[] inSalt, byte[] firstFrame)
                throws GeneralSecurityException {
            this.out = new Sealer(mode, outKey, outSalt);
            this.in = new Opener(mode, inKey, inSalt, firstFrame);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            long plain;
            if (msg instanceof ByteBuf b) {
                plain = b.readableBytes();
            } else if (msg instanceof FileRegion r) {
                plain = r.count() - r.transferred();
            } else {
                ReferenceCountUtil.release(msg);
                promise.tryFailure(new IOException("cannot encrypt a " + msg.getClass().getName()));
                ctx.close();
                return;
            }
            ctx.write(new Sealed(out, msg, plain), promise);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (!(msg instanceof ByteBuf)) {
                ctx.fireChannelRead(msg);
                return;
            }
            try {
                in.open(ctx, (ByteBuf) msg);
            } catch (GeneralSecurityException | IOException e) {
                in.failed = true;
                ctx.close();
                throw new IOException("a frame from " + ctx.channel().remoteAddress() + " on the direct exchange: "
                        + e.getMessage(), e);
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
    }

    /**
     * One direction's sealing: frames are sealed in the order they go out, one at a time, into
     * {@link #sealed}, so a connection holds one sealed frame however much is queued on it.
     */
    private static final class Sealer extends ByteSink {
        private final Mode mode;
        private final FrameCipher cipher;
        private final byte[] plain = new byte[FRAME];
        private final byte[] sealed;
        private int filled;
        private int wanted;

        Sealer(Mode mode, SecretKeySpec key, byte[] salt) throws GeneralSecurityException {
            this.mode = mode;
            this.cipher = new FrameCipher(mode, Cipher.ENCRYPT_MODE, key, salt);
            this.sealed = new byte[4 + FRAME + mode.tag];
        }

        /** Seals the next {@code length} bytes of {@code source} as a frame; returns the frame's bytes in {@link #sealed}. */
        int seal(Object source, int length) throws IOException, GeneralSecurityException {
            filled = 0;
            wanted = length;
            if (source instanceof ByteBuf b) {
                b.readBytes(plain, 0, length);
                filled = length;
            } else {
                FileRegion r = (FileRegion) source;
                while (filled < wanted) {
                    if (r.transferTo(this, r.transferred()) <= 0) {
                        throw new IOException("a message of " + r.count() + " bytes stopped after " + r.transferred());
                    }
                }
            }
            ByteBuffer.wrap(sealed).putInt(0, length + mode.tag);
            return 4 + cipher.next(sealed, 0, plain, 0, length, sealed, 4);
        }

        /** Takes what a message's region writes, up to the frame being filled. */
        @Override
        public int write(ByteBuffer src) {
            int n = Math.min(src.remaining(), wanted - filled);
            src.get(plain, filled, n);
            filled += n;
            return n;
        }
    }

    /**
     * A message on its way out as frames of {@code length, sealed plaintext}, each of {@link
     * #FRAME} plaintext bytes but the last, sealed as the socket takes the one before it: a
     * queued message holds no ciphertext, and the socket writes the connection's one frame
     * buffer instead of a pooled buffer per frame.
     */
    private static final class Sealed extends OutgoingRegion {
        private final Sealer sealer;
        private final Object source;
        private final long plain;
        private long sealedPlain;
        private ByteBuffer frame;

        Sealed(Sealer sealer, Object source, long plain) {
            super(plain + (plain + FRAME - 1) / FRAME * (4 + sealer.mode.tag));
            this.sealer = sealer;
            this.source = source;
            this.plain = plain;
        }

        @Override
        public long transferTo(WritableByteChannel target, long position) throws IOException {
            if (position != transferred) {
                throw new IllegalArgumentException("a sealed message is written in order: at " + transferred + ", asked "
                        + position);
            }
            long written = 0;
            while (transferred < count()) {
                if (frame == null || !frame.hasRemaining()) {
                    int length = (int) Math.min(FRAME, plain - sealedPlain);
                    try {
                        frame = ByteBuffer.wrap(sealer.sealed, 0, sealer.seal(source, length));
                    } catch (GeneralSecurityException e) {
                        throw new IOException("cannot seal a frame: " + e.getMessage(), e);
                    }
                    sealedPlain += length;
                }
                int n = target.write(frame);
                transferred += n;
                written += n;
                if (frame.hasRemaining()) {
                    break;
                }
            }
            return written;
        }

        @Override
        protected void deallocate() {
            ReferenceCountUtil.release(source);
        }
    }

    private static final class Opener {
        private final Mode mode;
        private final FrameCipher cipher;
        private byte[] firstFrame;
        private final byte[] head = new byte[4];
        private int headFilled;
        private final byte[] sealed;
        private int length = -1;
        private int filled;
        boolean failed;

        Opener(Mode mode, SecretKeySpec key, byte[] salt, byte[] firstFrame) throws GeneralSecurityException {
            this.mode = mode;
            this.cipher = new FrameCipher(mode, Cipher.DECRYPT_MODE, key, salt);
            this.firstFrame = firstFrame;
            this.sealed = new byte[FRAME + mode.tag];
        }

        void open(ChannelHandlerContext ctx, ByteBuf in) throws IOException, GeneralSecurityException {
            while (in.isReadable() && !failed) {
                if (length < 0) {
                    int n = Math.min(4 - headFilled, in.readableBytes());
                    in.readBytes(head, headFilled, n);
                    headFilled += n;
                    if (headFilled < 4) {
                        return;
                    }
                    headFilled = 0;
                    length = ByteBuffer.wrap(head).getInt();
                    if (length <= mode.tag || length > FRAME + mode.tag) {
                        throw new IOException("a frame of " + length + " bytes; this exchange's frames hold "
                                + (mode.tag + 1) + ".." + (FRAME + mode.tag));
                    }
                    filled = 0;
                }
                int n = Math.min(length - filled, in.readableBytes());
                in.readBytes(sealed, filled, n);
                filled += n;
                if (filled == length) {
                    ByteBuf plain = ctx.alloc().heapBuffer(length - mode.tag);
                    try {
                        plain.writerIndex(cipher.next(head, 0, sealed, 0, length, plain.array(), plain.arrayOffset()));
                    } catch (AEADBadTagException e) {
                        plain.release();
                        throw new GeneralSecurityException("frame " + (cipher.frames() - 1) + " failed authentication (changed,"
                                + " reordered or sealed with another key)", e);
                    } catch (GeneralSecurityException | RuntimeException e) {
                        plain.release();
                        throw e;
                    }
                    length = -1;
                    if (firstFrame != null) {
                        byte[] got = new byte[plain.readableBytes()];
                        plain.readBytes(got).release();
                        if (!MessageDigest.isEqual(got, firstFrame)) {
                            throw new GeneralSecurityException("the client did not prove it holds this application's secret"
                                    + " (spark.authenticate.secret)");
                        }
                        firstFrame = null;
                        continue;
                    }
                    ctx.fireChannelRead(plain);
                }
            }
        }
    }
}

package org.inceptionspark.worker;

import java.io.Closeable;
import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.network.TransportContext;
import org.apache.spark.network.buffer.ManagedBuffer;
import org.apache.spark.network.buffer.NioManagedBuffer;
import org.apache.spark.network.client.RpcResponseCallback;
import org.apache.spark.network.client.StreamCallbackWithID;
import org.apache.spark.network.client.TransportClient;
import org.apache.spark.network.client.TransportClientBootstrap;
import org.apache.spark.network.client.TransportClientFactory;
import org.apache.spark.network.crypto.AuthClientBootstrap;
import org.apache.spark.network.crypto.AuthServerBootstrap;
import org.apache.spark.network.netty.SparkTransportConf;
import org.apache.spark.network.server.RpcHandler;
import org.apache.spark.network.server.StreamManager;
import org.apache.spark.network.server.TransportServer;
import org.apache.spark.network.server.TransportServerBootstrap;
import org.apache.spark.network.util.TransportConf;
import org.inceptionspark.config.ClusterConfig.Precision;

/**
 * {@code cluster.exchange = direct}: a step's floats move over connections of their own between
 * the driver and the tasks of one barrier stage, instead of through Spark's broadcast, shuffle
 * and task results. Each endpoint is a server of Spark's own network library, authenticated when
 * Spark is ({@code spark.authenticate}) and encrypted when Spark is ({@code
 * spark.network.crypto.enabled}, with Spark's cipher, in {@link ExchangeCipher}'s frames), so
 * nothing travels less protected than Spark's blocks do. Floats travel as little-endian bytes
 * (float32, or bfloat16 under {@code cluster.exchange-precision}, each stream's header naming
 * which), decoded straight into the arrays that use them; no object is serialized.
 *
 * <p>The driver serves the step's weights; each task fetches the slices it owns, sends them to
 * the other tasks and receives theirs (an all-gather), computes its block's message, sends each
 * slice's part to that slice's owner and sums the parts of its own slices in {@link
 * org.inceptionspark.train.PairwiseSum} order over the block numbers (a reduce-scatter), then
 * sends the sums to the driver. The driver sends one copy of the weights and receives one
 * message per step whatever N is. Every message is keyed by its barrier stage, attempt and step,
 * so a rerun of a step never mixes with the run it replaces. A stage may run several steps
 * ({@code cluster.steps-per-job}): between them its tasks wait at the driver ({@link #NEXT}) and
 * report each step's measurements themselves ({@link #STATS}).
 */
public final class DirectExchange {
    static final byte WEIGHT_PART = 2;
    static final byte GRADIENT_PART = 3;
    static final byte SUM = 4;
    static final byte HELLO = 5;
    /** A task of a multi-step job asks for its next step; answered {@link #GO}, {@link #STOP} or {@link #AGAIN}. */
    static final byte NEXT = 6;
    /** A task of a multi-step job reports what its step measured ({@link StepStats}). */
    static final byte STATS = 7;
    static final byte GO = 1;
    static final byte STOP = 0;
    static final byte AGAIN = 2;
    /** How long the driver holds a task's {@link #NEXT} before answering {@link #AGAIN}: well within Spark's network timeout. */
    static final long NEXT_HOLD_MS = 10_000;
    /** kind, stage, attempt, step, slice, block, from, length, float width. */
    private static final int HEADER = 1 + 8 + 4 + 8 + 4 + 4 + 4 + 4 + 1;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /**
     * The most floats one message carries. Whatever the replica count, the weights and the
     * message travel in pieces of at most 4 MB: a task forwards a piece to the others as soon as
     * it has it, and neither end holds or copies a buffer of a whole slice of the vector.
     */
    static final int PIECE_FLOATS = 1 << 20;
    /** How often a task waiting for a peer checks whether Spark killed it. */
    private static final long POLL_MS = 50;

    private DirectExchange() {
    }

    /**
     * How the direct exchange cuts a vector of {@code length} floats among {@code blocks} tasks:
     * into pieces of at most {@link #PIECE_FLOATS}, and at least one per task; piece {@code p}
     * belongs to block {@code p % blocks}. Element by element the sums are those of Spark's
     * exchange whatever the cut: every element is summed over the blocks in the same order.
     */
    public static SliceRanges pieces(int length, int blocks) {
        long bounded = (length + (long) PIECE_FLOATS - 1) / PIECE_FLOATS;
        return new SliceRanges(length, (int) Math.min(length, Math.max(Math.max(1, blocks), bounded)));
    }

    /** Where an endpoint listens. */
    public record Address(String host, int port) implements Serializable {
        String text() {
            return host + ":" + port;
        }

        static Address parse(String text) {
            int colon = text.lastIndexOf(':');
            return new Address(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
        }
    }

    /** What a task tells the driver: it sent the sum of {@code slice} from stage {@code stage}'s attempt. */
    public record Summed(int slice, long stage, int attempt) implements Serializable {
    }

    record Key(long stage, int attempt, long step, byte kind, int slice, int block) {
    }

    /** A stage attempt whose tasks have all met at the driver. */
    public record Meeting(long stage, int attempt) {
    }

    /** A message's header: what the {@code length} floats that follow it are. */
    static ByteBuffer header(byte kind, long stage, int attempt, long step, int slice, int block, int from, int length) {
        return header(kind, stage, attempt, step, slice, block, from, length, Precision.FLOAT32, 0).flip();
    }

    /** The header of a stream of {@code length} floats sent at {@code precision}. */
    static ByteBuffer floatsHeader(byte kind, long stage, int attempt, long step, int slice, int block, int length,
                                   Precision precision) {
        return header(kind, stage, attempt, step, slice, block, 0, length, precision, 0).flip();
    }

    /** A header with room for {@code extra} more bytes, positioned after the header. */
    private static ByteBuffer header(byte kind, long stage, int attempt, long step, int slice, int block, int from, int length,
                                     Precision precision, int extra) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + extra).order(ByteOrder.LITTLE_ENDIAN);
        return b.put(kind).putLong(stage).putInt(attempt).putLong(step).putInt(slice).putInt(block).putInt(from).putInt(length)
                .put((byte) precision.ordinal());
    }

    /** A parsed header. */
    private record Header(byte kind, long stage, int attempt, long step, int slice, int block, int from, int length,
                          Precision precision) {
        static Header read(ByteBuffer m) {
            return new Header(m.get(), m.getLong(), m.getInt(), m.getLong(), m.getInt(), m.getInt(), m.getInt(), m.getInt(),
                    precision(m.get()));
        }

        private static Precision precision(byte code) {
            Precision[] all = Precision.values();
            if (code < 0 || code >= all.length) {
                throw new IllegalArgumentException("a header names float width " + code + ", not one of " + all.length);
            }
            return all[code];
        }

        Key key() {
            return new Key(stage, attempt, step, kind, slice, block);
        }
    }

    /** {@code length} floats of {@code values} from {@code from} as little-endian bytes at {@code precision}. */
    static ByteBuffer body(Precision precision, float[] values, int from, int length) {
        ByteBuffer b = ByteBuffer.allocate(precision.bytesPerFloat() * length).order(ByteOrder.LITTLE_ENDIAN);
        encode(precision, values, from, length, b);
        return b.flip();
    }

    /**
     * {@code length} floats of {@code values} from {@code from} as a stream's body, encoded at
     * {@code precision} a piece at a time as the socket (or {@link ExchangeCipher}) takes them
     * ({@link FloatsRegion}): no array of the whole body is allocated (at 4 MB a humongous object
     * under G1; one per piece sent stopped every step of an executor for collections). The floats
     * must not change until the stream is acknowledged.
     */
    static final class FloatsBody extends ManagedBuffer {
        private final Precision precision;
        private final float[] values;
        private final int from;
        private final int length;

        FloatsBody(Precision precision, float[] values, int from, int length) {
            this.precision = precision;
            this.values = values;
            this.from = from;
            this.length = length;
        }

        @Override
        public long size() {
            return (long) precision.bytesPerFloat() * length;
        }

        @Override
        public ByteBuffer nioByteBuffer() {
            return body(precision, values, from, length);
        }

        @Override
        public java.io.InputStream createInputStream() {
            return new io.netty.buffer.ByteBufInputStream(io.netty.buffer.Unpooled.wrappedBuffer(nioByteBuffer()), true);
        }

        @Override
        public ManagedBuffer retain() {
            return this;
        }

        @Override
        public ManagedBuffer release() {
            return this;
        }

        @Override
        public Object convertToNetty() {
            return new FloatsRegion(precision, values, from, length);
        }
    }

    /**
     * A {@link FloatsBody} on its way out: each call encodes the piece of at most {@link
     * #CHUNK_BYTES} that starts where the transfer stands (a write the channel took only part of
     * resumes inside the piece already encoded) and writes it. The piece is encoded into its
     * thread's scratch buffer (a channel writes on its own event loop thread, one region at a
     * time), which remembers whose piece it holds.
     */
    static final class FloatsRegion extends OutgoingRegion {
        /** The bytes encoded at a time: one frame of {@link ExchangeCipher}. */
        static final int CHUNK_BYTES = ExchangeCipher.FRAME;
        private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
        private final Precision precision;
        private final float[] values;
        private final int from;
        private final int length;
        /** The scratch piece this region last encoded into (its event loop thread's). */
        private Scratch claimed;

        private static final class Scratch {
            final ByteBuffer bytes = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            FloatsRegion owner;
            long start;
        }

        FloatsRegion(Precision precision, float[] values, int from, int length) {
            super((long) precision.bytesPerFloat() * length);
            this.precision = precision;
            this.values = values;
            this.from = from;
            this.length = length;
        }

        @Override
        public long transferTo(java.nio.channels.WritableByteChannel target, long position) throws IOException {
            if (position < 0 || position > count()) {
                throw new IllegalArgumentException("position " + position + " of a body of " + count() + " bytes");
            }
            if (position == count()) {
                return 0;
            }
            int width = precision.bytesPerFloat();
            Scratch chunk = SCRATCH.get();
            if (chunk.owner != this || position < chunk.start || position >= chunk.start + chunk.bytes.limit()) {
                long first = position / width;
                int n = (int) Math.min(CHUNK_BYTES / width, length - first);
                chunk.bytes.clear();
                encode(precision, values, from + (int) first, n, chunk.bytes);
                chunk.bytes.flip();
                chunk.start = first * width;
                chunk.owner = this;
                claimed = chunk;
            }
            chunk.bytes.position((int) (position - chunk.start));
            int written = target.write(chunk.bytes);
            transferred = position + written;
            return written;
        }

        @Override
        protected void deallocate() {
            if (claimed != null && claimed.owner == this) {
                claimed.owner = null;
            }
        }
    }

    /** Writes {@code length} floats of {@code values} from {@code from} at {@code precision} into {@code out}. */
    static void encode(Precision precision, float[] values, int from, int length, ByteBuffer out) {
        if (precision == Precision.FLOAT32) {
            out.asFloatBuffer().put(values, from, length);
            out.position(out.position() + 4 * length);
            return;
        }
        java.nio.ShortBuffer shorts = out.asShortBuffer();
        short[] chunk = CHUNK.get();
        for (int done = 0; done < length; done += chunk.length) {
            int n = Math.min(chunk.length, length - done);
            for (int i = 0; i < n; i++) {
                chunk[i] = bfloat16(values[from + done + i]);
            }
            shorts.put(chunk, 0, n);
        }
        out.position(out.position() + 2 * length);
    }

    /** Reads {@code count} bfloat16 values from {@code in} into {@code into} from {@code at}, widened. */
    static void decodeBfloat16(ByteBuffer in, float[] into, int at, int count) {
        java.nio.ShortBuffer shorts = in.asShortBuffer();
        short[] chunk = CHUNK.get();
        for (int done = 0; done < count; done += chunk.length) {
            int n = Math.min(chunk.length, count - done);
            // a bulk copy, then a loop the JIT keeps tight, instead of one checked get per value
            shorts.get(chunk, 0, n);
            for (int i = 0; i < n; i++) {
                into[at + done + i] = widen(chunk[i]);
            }
        }
    }

    /** Scratch for the bfloat16 conversions: they run on the task's and Netty's threads. */
    private static final ThreadLocal<short[]> CHUNK = ThreadLocal.withInitial(() -> new short[1 << 14]);

    /**
     * The upper 16 bits of {@code value} rounded to nearest, ties to even (as TensorFlow's and
     * PyTorch's conversions round): infinities stay infinite, NaN stays NaN, finite values beyond
     * bfloat16's largest round to infinity.
     */
    public static short bfloat16(float value) {
        int bits = Float.floatToRawIntBits(value);
        // a NaN gets its quiet bit and loses its lower half, which the rounding would otherwise
        // carry into the exponent; done without a branch in the loops that convert pieces
        int nan = -((0x7f800000 - (bits & 0x7fffffff)) >>> 31);
        bits = bits & ~(nan & 0xffff) | nan & 0x00400000;
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    /**
     * {@code length} values of {@code values} from {@code from} as a bfloat16 stream delivers
     * them, into {@code into} from {@code at} (which may be the same place).
     */
    public static void roundToBfloat16(float[] values, int from, float[] into, int at, int length) {
        for (int i = 0; i < length; i++) {
            into[at + i] = widen(bfloat16(values[from + i]));
        }
    }

    /** The float whose upper 16 bits are {@code bits}. */
    public static float widen(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    /** The name under which the driver streams weights {@code from..from+length} of {@code step} at {@code precision}. */
    static String weightStream(long step, int from, int length, Precision precision) {
        return "weights/" + step + "/" + from + "/" + length + "/" + precision.name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Decodes a stream of little-endian floats sent at a precision into {@code
     * into[from..from+length)} as its network buffers arrive, so a message is never assembled in
     * one buffer and copied again; a value split between two buffers is carried over.
     */
    static final class FloatSink implements StreamCallbackWithID {
        private final String id;
        private final float[] into;
        private final int end;
        private int next;
        private final Precision precision;
        private final ByteBuffer carry;
        private final Consumer<FloatSink> complete;
        private final Consumer<Throwable> failed;

        FloatSink(String id, float[] into, int from, int length, Precision precision, Consumer<FloatSink> complete,
                  Consumer<Throwable> failed) {
            this.id = id;
            this.into = into;
            this.next = from;
            this.end = from + length;
            this.precision = precision;
            this.carry = ByteBuffer.allocate(precision.bytesPerFloat()).order(ByteOrder.LITTLE_ENDIAN);
            this.complete = complete;
            this.failed = failed;
        }

        @Override
        public String getID() {
            return id;
        }

        @Override
        public void onData(String streamId, ByteBuffer buf) throws IOException {
            ByteBuffer in = buf.order(ByteOrder.LITTLE_ENDIAN);
            if (carry.position() > 0) {
                while (carry.hasRemaining() && in.hasRemaining()) {
                    carry.put(in.get());
                }
                if (carry.hasRemaining()) {
                    return;
                }
                put(1);
                into[next - 1] = precision == Precision.FLOAT32 ? carry.getFloat(0) : widen(carry.getShort(0));
                carry.clear();
            }
            int width = carry.capacity();
            int whole = in.remaining() / width;
            put(whole);
            if (precision == Precision.FLOAT32) {
                in.asFloatBuffer().get(into, next - whole, whole);
            } else {
                decodeBfloat16(in, into, next - whole, whole);
            }
            in.position(in.position() + width * whole);
            carry.put(in);
        }

        private void put(int floats) throws IOException {
            if (next + floats > end) {
                throw new IOException(id + " carries more than its " + (end - next) + " remaining floats");
            }
            next += floats;
        }

        @Override
        public void onComplete(String streamId) throws IOException {
            if (next != end || carry.position() != 0) {
                throw new IOException(id + " ended " + (end - next) + " floats short");
            }
            complete.accept(this);
        }

        @Override
        public void onFailure(String streamId, Throwable cause) {
            failed.accept(cause);
        }
    }

    /** One JVM's server and connections; the driver's also serves the step's weights. */
    public static final class Endpoint implements Closeable {
        private final TransportContext context;
        private final TransportServer server;
        private final TransportClientFactory clients;
        private final Address address;
        private final Map<Key, Object> mailbox = new HashMap<>();
        /** The driver: the endpoints of each stage attempt's tasks, and who waits for them. */
        private final Map<Key, Rendezvous> rendezvous = new HashMap<>();
        /** Messages of stages below this are stale runs: dropped on arrival. */
        private long oldestStage;
        private volatile Published published;
        /** The driver: tasks of multi-step jobs waiting for their next step's weights (guarded by itself). */
        private final List<Waiting> waitingNext = new ArrayList<>();
        /** The driver: a {@link #NEXT} from a stage at or below this is told to stop. */
        private long stoppedThrough = -1;
        /** The driver: the stage attempt whose tasks met last. */
        private volatile Meeting latest = new Meeting(-1, 0);
        private java.util.concurrent.ScheduledExecutorService holdTimer;

        private record Waiting(long stage, long step, RpcResponseCallback callback, long since) {
        }

        private record Published(long step, ByteBuffer bytes, int length, Precision precision) {
        }

        private static final class Rendezvous {
            final String[] addresses;
            final List<RpcResponseCallback> waiting = new ArrayList<>();

            Rendezvous(int blocks) {
                addresses = new String[blocks];
            }
        }

        /**
         * A task's address told to the driver; the answer, once every task of the stage attempt
         * has told its own, is all of their addresses by block (Spark's own allGather polls
         * once a second: as long as a whole step's exchange).
         */
        Address[] meet(Address driver, long stage, int attempt, int block, int blocks, TaskContext task) {
            byte[] text = address.text().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ByteBuffer m = header(HELLO, stage, attempt, 0, 0, block, blocks, text.length, Precision.FLOAT32, text.length).put(text);
            String[][] all = new String[1][];
            await(List.of(send(driver, m.flip(), r -> {
                byte[] b = new byte[r.remaining()];
                r.get(b);
                all[0] = new String(b, java.nio.charset.StandardCharsets.UTF_8).split(",");
            })), task, "meeting the other tasks of stage " + stage + " at the driver " + driver.text());
            return java.util.Arrays.stream(all[0]).map(Address::parse).toArray(Address[]::new);
        }

        private void hello(long stage, int attempt, int block, int blocks, String from, RpcResponseCallback callback) {
            List<RpcResponseCallback> release = List.of();
            String[] addresses = null;
            synchronized (rendezvous) {
                rendezvous.entrySet().removeIf(e -> {
                    boolean stale = e.getKey().stage() < stage;
                    if (stale) {
                        e.getValue().waiting.forEach(c -> c.onFailure(new IllegalStateException("stage " + e.getKey().stage()
                                + " was replaced by stage " + stage)));
                    }
                    return stale;
                });
                Rendezvous r = rendezvous.computeIfAbsent(new Key(stage, attempt, 0, HELLO, 0, 0), k -> new Rendezvous(blocks));
                if (block < 0 || block >= r.addresses.length) {
                    throw new IllegalArgumentException("block " + block + " of a stage of " + r.addresses.length + " tasks");
                }
                r.addresses[block] = from;
                r.waiting.add(callback);
                if (r.waiting.size() == r.addresses.length) {
                    release = r.waiting;
                    addresses = r.addresses;
                    rendezvous.remove(new Key(stage, attempt, 0, HELLO, 0, 0));
                    if (stage > latest.stage() || stage == latest.stage() && attempt > latest.attempt()) {
                        latest = new Meeting(stage, attempt);
                    }
                }
            }
            if (addresses != null) {
                byte[] answer = String.join(",", addresses).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                release.forEach(c -> c.onSuccess(ByteBuffer.wrap(answer)));
            }
        }

        Endpoint(SparkConf conf, org.apache.spark.SecurityManager security, String host) {
            TransportConf transport = SparkTransportConf.fromSparkConf(conf, "inception", 0, scala.Option.empty());
            List<TransportServerBootstrap> serverBoot = new ArrayList<>();
            List<TransportClientBootstrap> clientBoot = new ArrayList<>();
            if (security.isAuthenticationEnabled() && transport.encryptionEnabled()) {
                ExchangeCipher.Mode mode = ExchangeCipher.Mode.of(transport.cipherTransformation());
                serverBoot.add(ExchangeCipher.server(conf.getAppId(), security.getSecretKey(), mode));
                clientBoot.add(ExchangeCipher.client(conf.getAppId(), security.getSecretKey(), mode, transport.authRTTimeoutMs()));
            } else if (security.isAuthenticationEnabled()) {
                serverBoot.add(new AuthServerBootstrap(transport, security));
                clientBoot.add(new AuthClientBootstrap(transport, conf.getAppId(), security));
            }
            this.context = new TransportContext(transport, new Handler());
            this.server = context.createServer(host, 0, serverBoot);
            this.clients = context.createClientFactory(clientBoot);
            this.address = new Address(host, server.getPort());
        }

        public Address address() {
            return address;
        }

        /** The driver: serves {@code weights} at {@code precision} as the weights of {@code step} until the next call. */
        public void publish(long step, float[] weights, Precision precision) {
            Published p = published;
            ByteBuffer bytes = p != null && p.length == weights.length && p.precision == precision ? p.bytes
                    : ByteBuffer.allocateDirect(precision.bytesPerFloat() * weights.length).order(ByteOrder.LITTLE_ENDIAN);
            bytes.clear();
            encode(precision, weights, 0, weights.length, bytes);
            synchronized (waitingNext) {
                published = new Published(step, bytes, weights.length, precision);
                waitingNext.removeIf(w -> w.step() <= step && answer(w.callback(), w.step() == step ? GO : STOP));
            }
        }

        /**
         * The driver: the tasks of every multi-step job that has met so far finish the step they
         * are in and end, instead of waiting for another (another Spark job needs their slots).
         */
        public void stop() {
            synchronized (waitingNext) {
                stoppedThrough = Math.max(stoppedThrough, latest.stage());
                waitingNext.removeIf(w -> answer(w.callback(), STOP));
            }
        }

        /** The driver: the stage attempt whose tasks met last. */
        public Meeting latestMeeting() {
            return latest;
        }

        private static boolean answer(RpcResponseCallback callback, byte answer) {
            callback.onSuccess(ByteBuffer.wrap(new byte[] {answer}));
            return true;
        }

        private void next(long stage, long step, RpcResponseCallback callback) {
            synchronized (waitingNext) {
                Published p = published;
                if (stage <= stoppedThrough || p != null && p.step() > step) {
                    answer(callback, STOP);
                } else if (p != null && p.step() == step) {
                    answer(callback, GO);
                } else {
                    waitingNext.add(new Waiting(stage, step, callback, System.nanoTime()));
                    if (holdTimer == null) {
                        holdTimer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                            Thread t = new Thread(r, "direct-exchange-hold");
                            t.setDaemon(true);
                            return t;
                        });
                        holdTimer.scheduleWithFixedDelay(this::releaseHeld, 1, 1, TimeUnit.SECONDS);
                    }
                }
            }
        }

        private void releaseHeld() {
            long now = System.nanoTime();
            synchronized (waitingNext) {
                waitingNext.removeIf(w -> now - w.since() > TimeUnit.MILLISECONDS.toNanos(NEXT_HOLD_MS) && answer(w.callback(), AGAIN));
            }
        }

        /**
         * A task of a multi-step job: waits until the driver serves the weights of {@code step};
         * false when the driver ends the job instead.
         */
        boolean next(Address driver, long stage, int attempt, long step, int block, TaskContext task) {
            while (true) {
                byte[] answer = new byte[1];
                await(List.of(send(driver, header(NEXT, stage, attempt, step, 0, block, 0, 0), r -> answer[0] = r.get())), task,
                        "waiting at the driver " + driver.text() + " for the weights of step " + step);
                if (answer[0] != AGAIN) {
                    return answer[0] == GO;
                }
            }
        }

        /** A task of a multi-step job: tells the driver what its block measured in {@code step}. */
        void sendStats(Address driver, long stage, int attempt, long step, int block, StepStats stats, TaskContext task) {
            byte[] bytes = stats.toBytes();
            ByteBuffer m = header(STATS, stage, attempt, step, 0, block, 0, bytes.length, Precision.FLOAT32, bytes.length).put(bytes);
            await(List.of(send(driver, m.flip(), null)), task, "sending step " + step + "'s measurements to the driver "
                    + driver.text());
        }

        /** Forgets every message of stages before {@code stage}: runs that will never be read. */
        void pruneBefore(long stage) {
            synchronized (mailbox) {
                oldestStage = Math.max(oldestStage, stage);
                mailbox.keySet().removeIf(k -> k.stage() < stage);
            }
        }

        /** The message under {@code key} if it arrives within {@code millis}, else null. */
        Object poll(Key key, long millis, String what) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            synchronized (mailbox) {
                while (!mailbox.containsKey(key)) {
                    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if (left <= 0) {
                        return null;
                    }
                    try {
                        mailbox.wait(left);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted while waiting for " + what, e);
                    }
                }
                return mailbox.remove(key);
            }
        }

        /** The message under {@code key}, waiting for it while the task runs; null when none came (no task). */
        float[] take(Key key, TaskContext task, String what) {
            while (true) {
                Object m = poll(key, task == null ? 0 : POLL_MS, what);
                if (m != null || task == null) {
                    return (float[]) m;
                }
                task.killTaskIfInterrupted();
            }
        }

        /** Sends {@code message} to {@code to} as one request; the future completes with the answer read. */
        CompletableFuture<Void> send(Address to, ByteBuffer message, Consumer<ByteBuffer> response) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            TransportClient client = client(to, done);
            if (client != null) {
                client.sendRpc(message, answered(to, done, response));
            }
            return done;
        }

        /**
         * Sends {@code length} floats of {@code values} from {@code from} to {@code to} as a
         * stream the receiver decodes as it arrives; the future completes when the receiver has
         * them all. The floats are read as they go out ({@link FloatsBody}): they must not change
         * until the future has completed.
         */
        CompletableFuture<Void> sendFloats(Address to, byte kind, long stage, int attempt, long step, int slice, int block,
                                           float[] values, int from, int length, Precision precision) {
            return sendFloats(List.of(to), kind, stage, attempt, step, slice, block, values, from, length, precision).get(0);
        }

        /**
         * {@link #sendFloats(Address, byte, long, int, long, int, int, float[], int, int, Precision)}
         * to each of {@code to} (at B tasks an owner forwards each weight piece to B - 1 others);
         * the floats must not change until every future has completed.
         */
        List<CompletableFuture<Void>> sendFloats(List<Address> to, byte kind, long stage, int attempt, long step, int slice,
                                                 int block, float[] values, int from, int length, Precision precision) {
            if (to.isEmpty()) {
                return List.of();
            }
            List<CompletableFuture<Void>> sent = new ArrayList<>(to.size());
            for (Address a : to) {
                CompletableFuture<Void> done = new CompletableFuture<>();
                TransportClient client = client(a, done);
                if (client != null) {
                    client.uploadStream(new NioManagedBuffer(floatsHeader(kind, stage, attempt, step, slice, block, length,
                            precision)), new FloatsBody(precision, values, from, length), answered(a, done, null));
                }
                sent.add(done);
            }
            return sent;
        }

        /**
         * Streams the driver's weights {@code from..from+length} of {@code step}, sent at {@code
         * precision}, into the same range of {@code into}.
         */
        CompletableFuture<Void> fetchWeights(Address driver, long step, float[] into, int from, int length, Precision precision) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            TransportClient client = client(driver, done);
            if (client != null) {
                String id = weightStream(step, from, length, precision);
                client.stream(id, new FloatSink(id, into, from, length, precision, sink -> done.complete(null),
                        e -> done.completeExceptionally(new IOException(driver.text() + ": " + e.getMessage(), e))));
            }
            return done;
        }

        /** A connection to {@code to}, or null with {@code failed} completed by why there is none. */
        private TransportClient client(Address to, CompletableFuture<Void> failed) {
            try {
                return clients.createClient(to.host(), to.port());
            } catch (IOException e) {
                failed.completeExceptionally(new IOException("cannot connect to " + to.text() + ": " + e.getMessage(), e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failed.completeExceptionally(e);
            } catch (RuntimeException e) {
                // a bootstrap's failure: the handshake was refused or the peer proved nothing
                failed.completeExceptionally(new IOException("cannot connect to " + to.text() + ": " + e.getMessage(), e));
            }
            return null;
        }

        private static RpcResponseCallback answered(Address to, CompletableFuture<Void> done, Consumer<ByteBuffer> response) {
            return new RpcResponseCallback() {
                @Override
                public void onSuccess(ByteBuffer r) {
                    try {
                        if (response != null) {
                            response.accept(r.order(ByteOrder.LITTLE_ENDIAN));
                        }
                        done.complete(null);
                    } catch (RuntimeException e) {
                        done.completeExceptionally(e);
                    }
                }

                @Override
                public void onFailure(Throwable e) {
                    done.completeExceptionally(new IOException(to.text() + ": " + e.getMessage(), e));
                }
            };
        }

        @Override
        public void close() {
            synchronized (waitingNext) {
                if (holdTimer != null) {
                    holdTimer.shutdownNow();
                }
            }
            clients.close();
            server.close();
            context.close();
        }

        private final class Handler extends RpcHandler {
            private final StreamManager streams = new StreamManager() {
                @Override
                public ManagedBuffer getChunk(long streamId, int chunkIndex) {
                    throw new UnsupportedOperationException("the direct exchange serves no chunks");
                }

                @Override
                public ManagedBuffer openStream(String streamId) {
                    String[] part = streamId.split("/");
                    if (part.length != 5 || !part[0].equals("weights")) {
                        throw new IllegalArgumentException("no stream " + streamId);
                    }
                    return new NioManagedBuffer(weights(Long.parseLong(part[1]), Integer.parseInt(part[2]),
                            Integer.parseInt(part[3]), part[4]));
                }
            };

            @Override
            public void receive(TransportClient client, ByteBuffer message, RpcResponseCallback callback) {
                try {
                    ByteBuffer m = message.order(ByteOrder.LITTLE_ENDIAN);
                    Header h = Header.read(m);
                    if ((h.kind() == HELLO || h.kind() == STATS) && (h.length() < 0 || h.length() != m.remaining())) {
                        throw new IllegalArgumentException("a request of kind " + h.kind() + " says " + h.length()
                                + " bytes follow its header, " + m.remaining() + " do");
                    }
                    if (h.kind() == HELLO) {
                        byte[] text = new byte[h.length()];
                        m.get(text);
                        hello(h.stage(), h.attempt(), h.block(), h.from(), new String(text, java.nio.charset.StandardCharsets.UTF_8),
                                callback);
                    } else if (h.kind() == NEXT) {
                        next(h.stage(), h.step(), callback);
                    } else if (h.kind() == STATS) {
                        byte[] bytes = new byte[h.length()];
                        m.get(bytes);
                        deliver(h.key(), StepStats.fromBytes(bytes));
                        callback.onSuccess(EMPTY);
                    } else {
                        throw new IllegalArgumentException("a request of kind " + h.kind() + " (floats travel as streams)");
                    }
                } catch (RuntimeException e) {
                    callback.onFailure(e);
                }
            }

            /** Puts a message in the mailbox; false when it belongs to a stale stage and was dropped. */
            private boolean deliver(Key key, Object message) {
                synchronized (mailbox) {
                    if (key.stage() < oldestStage) {
                        return false;
                    }
                    mailbox.put(key, message);
                    mailbox.notifyAll();
                    return true;
                }
            }

            @Override
            public StreamCallbackWithID receiveStream(TransportClient client, ByteBuffer header, RpcResponseCallback callback) {
                Header h = Header.read(header.order(ByteOrder.LITTLE_ENDIAN));
                if (h.kind() != WEIGHT_PART && h.kind() != GRADIENT_PART && h.kind() != SUM) {
                    throw new IllegalArgumentException("a stream of kind " + h.kind());
                }
                Key key = h.key();
                float[] values = MessageBuffers.take(h.length());
                return new FloatSink(key.toString(), values, 0, h.length(), h.precision(), sink -> {
                    if (!deliver(key, values)) {
                        MessageBuffers.giveBack(values);
                    }
                }, e -> MessageBuffers.giveBack(values));
            }

            private ByteBuffer weights(long step, int from, int length, String precision) {
                Published p = published;
                if (p == null || p.step() != step) {
                    throw new IllegalStateException("the driver serves the weights of step "
                            + (p == null ? "none" : String.valueOf(p.step())) + ", not of step " + step);
                }
                String served = p.precision().name().toLowerCase(java.util.Locale.ROOT);
                if (!served.equals(precision)) {
                    throw new IllegalStateException("the driver serves step " + step + "'s weights as " + served + ", a task"
                            + " asked for " + precision + " (inception.cluster.exchange-precision)");
                }
                if (from < 0 || length < 0 || from + length > p.length()) {
                    throw new IllegalArgumentException("weights " + from + ".." + (from + length) + " asked of " + p.length());
                }
                int width = p.precision().bytesPerFloat();
                return p.bytes().duplicate().position(width * from).limit(width * (from + length)).slice();
            }

            @Override
            public StreamManager getStreamManager() {
                return streams;
            }
        }
    }

    private static Endpoint executorEndpoint;
    private static SparkEnv executorEnv;

    /** This executor's endpoint, started on first use (one per JVM and Spark application). */
    public static synchronized Endpoint executorEndpoint() {
        SparkEnv env = SparkEnv.get();
        if (executorEndpoint == null || executorEnv != env) {
            if (executorEndpoint != null) {
                executorEndpoint.close();
            }
            executorEndpoint = new Endpoint(env.conf(), env.securityManager(), env.blockManager().blockManagerId().host());
            executorEnv = env;
        }
        return executorEndpoint;
    }

    /** The driver's endpoint, listening where the driver does ({@code spark.driver.host}). */
    public static Endpoint driverEndpoint(SparkConf conf) {
        SparkEnv env = SparkEnv.get();
        return new Endpoint(conf, env.securityManager(), conf.get("spark.driver.host", "localhost"));
    }

    /** Waits for every future while the task runs, failing with the first failure. */
    static void await(List<CompletableFuture<Void>> sent, TaskContext task, String what) {
        for (CompletableFuture<Void> f : sent) {
            while (true) {
                try {
                    f.get(POLL_MS, TimeUnit.MILLISECONDS);
                    break;
                } catch (TimeoutException e) {
                    if (task != null) {
                        task.killTaskIfInterrupted();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while " + what, e);
                } catch (ExecutionException e) {
                    throw new IllegalStateException(what + " failed: " + e.getCause().getMessage(), e.getCause());
                }
            }
        }
    }

    /**
     * The driver's side after the step's job: the summed slices the tasks reported, written into
     * {@code into}; fails naming a slice that never arrived.
     */
    public static void gather(Endpoint driver, List<Summed> reported, SliceRanges ranges, float[] into, long step) {
        Map<Integer, float[]> summed = new HashMap<>();
        for (Summed s : reported) {
            float[] values = driver.take(new Key(s.stage(), s.attempt(), step, SUM, s.slice(), -1), null, "slice " + s.slice());
            if (values != null) {
                summed.put(s.slice(), values);
            }
        }
        ranges.assemble(summed, into, step);
        summed.values().forEach(MessageBuffers::giveBack);
        if (!reported.isEmpty()) {
            driver.pruneBefore(reported.get(0).stage() + 1);
        }
    }

    /**
     * The driver's side of one step of a multi-step job ({@code cluster.steps-per-job}): the
     * summed pieces of {@code step} written into {@code into}, and what each of the {@code
     * blocks} tasks measured, from the first stage attempt to meet after {@code since}. Between
     * waits it runs {@code alive}, which throws to give up (the job failed, ended or timed out).
     */
    public static List<StepStats> gatherStep(Endpoint driver, Meeting since, long step, SliceRanges ranges, int blocks,
                                             float[] into, Runnable alive) {
        Meeting met = driver.latestMeeting();
        while (met.stage() <= since.stage()) {
            alive.run();
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for step " + step + "'s tasks to meet", e);
            }
            met = driver.latestMeeting();
        }
        driver.pruneBefore(met.stage());
        // each piece placed as it arrives, while the later ones still travel
        for (int p = 0; p < ranges.slices(); p++) {
            float[] summed = (float[]) awaitMessage(driver, new Key(met.stage(), met.attempt(), step, SUM, p, -1), alive);
            try {
                ranges.place(p, summed, into);
            } finally {
                MessageBuffers.giveBack(summed);
            }
        }
        List<StepStats> stats = new ArrayList<>(blocks);
        for (int b = 0; b < blocks; b++) {
            stats.add((StepStats) awaitMessage(driver, new Key(met.stage(), met.attempt(), step, STATS, 0, b), alive));
        }
        return stats;
    }

    private static Object awaitMessage(Endpoint driver, Key key, Runnable alive) {
        while (true) {
            Object m = driver.poll(key, POLL_MS, key.toString());
            if (m != null) {
                return m;
            }
            alive.run();
        }
    }
}

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
import org.apache.spark.network.buffer.NioManagedBuffer;
import org.apache.spark.network.client.RpcResponseCallback;
import org.apache.spark.network.client.StreamCallbackWithID;
import org.apache.spark.network.client.TransportClient;
import org.apache.spark.network.client.TransportClientBootstrap;
import org.apache.spark.network.client.TransportClientFactory;
import org.apache.spark.network.crypto.AuthClientBootstrap;
import org.apache.spark.network.crypto.AuthServerBootstrap;
import org.apache.spark.network.netty.SparkTransportConf;
import org.apache.spark.network.server.OneForOneStreamManager;
import org.apache.spark.network.server.RpcHandler;
import org.apache.spark.network.server.StreamManager;
import org.apache.spark.network.server.TransportServer;
import org.apache.spark.network.server.TransportServerBootstrap;
import org.apache.spark.network.util.TransportConf;

/**
 * {@code cluster.exchange = direct}: a step's floats move over connections of their own between
 * the driver and the tasks of one barrier stage, instead of through Spark's broadcast, shuffle
 * and task results. Each endpoint is a server of Spark's own network library with Spark's
 * authentication and encryption ({@code spark.authenticate}, {@code spark.network.crypto.enabled}),
 * so nothing travels less protected than Spark's blocks do. Floats travel as little-endian bytes,
 * decoded straight into the arrays that use them; no object is serialized.
 *
 * <p>The driver serves the step's weights; each task fetches the slices it owns, sends them to
 * the other tasks and receives theirs (an all-gather), computes its block's message, sends each
 * slice's part to that slice's owner and sums the parts of its own slices in {@link
 * org.inceptionspark.train.PairwiseSum} order over the block numbers (a reduce-scatter), then
 * sends the sums to the driver. The driver sends one copy of the weights and receives one
 * message per step whatever N is. Every message is keyed by its barrier stage and attempt, so a
 * rerun of a step never mixes with the run it replaces.
 */
public final class DirectExchange {
    static final byte WEIGHT_PART = 2;
    static final byte GRADIENT_PART = 3;
    static final byte SUM = 4;
    static final byte HELLO = 5;
    /** kind, stage, attempt, slice, block, from, length. */
    private static final int HEADER = 1 + 8 + 4 + 4 + 4 + 4 + 4;
    /** How often a task waiting for a peer checks whether Spark killed it. */
    private static final long POLL_MS = 50;

    private DirectExchange() {
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

    record Key(long stage, int attempt, byte kind, int slice, int block) {
    }

    /** A message's header: what it is and, for floats, which {@code length} values it carries. */
    static ByteBuffer header(byte kind, long stage, int attempt, int slice, int block, int from, int length) {
        ByteBuffer b = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        return b.put(kind).putLong(stage).putInt(attempt).putInt(slice).putInt(block).putInt(from).putInt(length).flip();
    }

    /** {@code length} floats of {@code values} from {@code from} as little-endian bytes. */
    static ByteBuffer floats(float[] values, int from, int length) {
        ByteBuffer b = ByteBuffer.allocate(4 * length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values, from, length);
        return b;
    }

    /** One JVM's server and connections; the driver's also serves the step's weights. */
    public static final class Endpoint implements Closeable {
        private final TransportContext context;
        private final TransportServer server;
        private final TransportClientFactory clients;
        private final Address address;
        private final Map<Key, float[]> mailbox = new HashMap<>();
        /** The driver: the endpoints of each stage attempt's tasks, and who waits for them. */
        private final Map<Key, Rendezvous> rendezvous = new HashMap<>();
        /** Messages of stages below this are stale runs: dropped on arrival. */
        private long oldestStage;
        private volatile Published published;
        /** The driver's thread that pushes weights once a stage's tasks have met. */
        private final java.util.concurrent.ExecutorService pusher = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "direct-exchange-weights");
            t.setDaemon(true);
            return t;
        });

        private record Published(long step, ByteBuffer bytes, int length) {
        }

        private static final class Rendezvous {
            final String[] addresses;
            final List<RpcResponseCallback> waiting = new ArrayList<>();

            Rendezvous(int blocks) {
                addresses = new String[blocks];
            }
        }

        Endpoint(SparkConf conf, org.apache.spark.SecurityManager security, String host) {
            TransportConf transport = SparkTransportConf.fromSparkConf(conf, "inception", 0, scala.Option.empty());
            List<TransportServerBootstrap> serverBoot = new ArrayList<>();
            List<TransportClientBootstrap> clientBoot = new ArrayList<>();
            if (security.isAuthenticationEnabled()) {
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

        /** The driver: serves {@code weights} as the weights of {@code step} until the next call. */
        public void publish(long step, float[] weights) {
            Published p = published;
            ByteBuffer bytes = p != null && p.length == weights.length ? p.bytes
                    : ByteBuffer.allocateDirect(4 * weights.length).order(ByteOrder.LITTLE_ENDIAN);
            bytes.clear();
            bytes.asFloatBuffer().put(weights);
            published = new Published(step, bytes, weights.length);
        }

        /** Forgets every message of stages before {@code stage}: runs that will never be read. */
        void pruneBefore(long stage) {
            synchronized (mailbox) {
                oldestStage = Math.max(oldestStage, stage);
                mailbox.entrySet().removeIf(e -> {
                    boolean stale = e.getKey().stage() < stage;
                    if (stale) {
                        MessageBuffers.giveBack(e.getValue());
                    }
                    return stale;
                });
            }
        }

        /** The message under {@code key}, waiting for it while the task runs; null when none came (no task). */
        float[] take(Key key, TaskContext task, String what) {
            synchronized (mailbox) {
                while (!mailbox.containsKey(key)) {
                    if (task == null) {
                        return null;
                    }
                    task.killTaskIfInterrupted();
                    try {
                        mailbox.wait(POLL_MS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted while waiting for " + what, e);
                    }
                }
                return mailbox.remove(key);
            }
        }

        /**
         * A task's address told to the driver; the answer, once every task of the stage attempt
         * has told its own and the driver has pushed each task the weight slices it owns, is all
         * of their addresses by block (Spark's own allGather polls once a second: as long as a
         * whole step's exchange).
         */
        Address[] meet(Address driver, long step, long stage, int attempt, int block, int blocks, int slices, TaskContext task) {
            byte[] text = (step + " " + address.text()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ByteBuffer m = ByteBuffer.allocate(HEADER + text.length).order(ByteOrder.LITTLE_ENDIAN);
            m.put(header(HELLO, stage, attempt, slices, block, blocks, text.length)).put(text);
            String[][] all = new String[1][];
            await(List.of(send(driver, m.flip(), null, r -> {
                byte[] b = new byte[r.remaining()];
                r.get(b);
                all[0] = new String(b, java.nio.charset.StandardCharsets.UTF_8).split(",");
            })), task, "meeting the other tasks of stage " + stage + " at the driver " + driver.text());
            return java.util.Arrays.stream(all[0]).map(Address::parse).toArray(Address[]::new);
        }

        private void hello(long stage, int attempt, int slices, int block, int blocks, String text, RpcResponseCallback callback) {
            String[] stepAndAddress = text.split(" ");
            long step = Long.parseLong(stepAndAddress[0]);
            Rendezvous complete = null;
            synchronized (rendezvous) {
                rendezvous.entrySet().removeIf(e -> {
                    boolean stale = e.getKey().stage() < stage;
                    if (stale) {
                        e.getValue().waiting.forEach(c -> c.onFailure(new IllegalStateException("stage " + e.getKey().stage()
                                + " was replaced by stage " + stage)));
                    }
                    return stale;
                });
                Key key = new Key(stage, attempt, HELLO, 0, 0);
                Rendezvous r = rendezvous.computeIfAbsent(key, k -> new Rendezvous(blocks));
                if (block < 0 || block >= r.addresses.length) {
                    throw new IllegalArgumentException("block " + block + " of a stage of " + r.addresses.length + " tasks");
                }
                r.addresses[block] = stepAndAddress[1];
                r.waiting.add(callback);
                if (r.waiting.size() == r.addresses.length) {
                    complete = r;
                    rendezvous.remove(key);
                }
            }
            if (complete != null) {
                Rendezvous r = complete;
                // connecting blocks: not on the network thread that delivered this message
                pusher.execute(() -> pushWeights(step, stage, attempt, slices, r));
            }
        }

        /** The driver: each task's owned weight slices pushed to it, then every task told where the others are. */
        private void pushWeights(long step, long stage, int attempt, int slices, Rendezvous r) {
            try {
                Published p = published;
                if (p == null || p.step() != step) {
                    throw new IllegalStateException("the driver serves the weights of step "
                            + (p == null ? "none" : String.valueOf(p.step())) + ", not of step " + step);
                }
                SliceRanges ranges = new SliceRanges(p.length(), slices);
                List<CompletableFuture<Void>> pushed = new ArrayList<>();
                for (int s = 0; s < slices; s++) {
                    Address owner = Address.parse(r.addresses[s % r.addresses.length]);
                    ByteBuffer values = p.bytes().duplicate().position(4 * ranges.from(s))
                            .limit(4 * (ranges.from(s) + ranges.size(s))).slice();
                    pushed.add(send(owner, header(WEIGHT_PART, stage, attempt, s, -1, ranges.from(s), ranges.size(s)),
                            values, null));
                }
                CompletableFuture.allOf(pushed.toArray(CompletableFuture[]::new)).get();
                byte[] answer = String.join(",", r.addresses).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                r.waiting.forEach(c -> c.onSuccess(ByteBuffer.wrap(answer)));
            } catch (Exception e) {
                Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                r.waiting.forEach(c -> c.onFailure(new IllegalStateException("pushing the weights of step " + step
                        + " to the tasks of stage " + stage + ": " + cause.getMessage(), cause)));
            }
        }

        /**
         * Sends {@code header} to {@code to}, with {@code payload} as a stream after it when there
         * is one; the future completes when the receiver has taken it all.
         */
        CompletableFuture<Void> send(Address to, ByteBuffer header, ByteBuffer payload, Consumer<ByteBuffer> response) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            TransportClient client;
            try {
                client = clients.createClient(to.host(), to.port());
            } catch (IOException e) {
                done.completeExceptionally(new IOException("cannot connect to " + to.text() + ": " + e.getMessage(), e));
                return done;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                done.completeExceptionally(e);
                return done;
            }
            RpcResponseCallback callback = new RpcResponseCallback() {
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
            if (payload == null) {
                client.sendRpc(header, callback);
            } else {
                client.uploadStream(new NioManagedBuffer(header), new NioManagedBuffer(payload), callback);
            }
            return done;
        }

        @Override
        public void close() {
            pusher.shutdownNow();
            clients.close();
            server.close();
            context.close();
        }

        private final class Handler extends RpcHandler {
            private final StreamManager streams = new OneForOneStreamManager();

            /** The one small message: a task's hello at the driver's rendezvous. */
            @Override
            public void receive(TransportClient client, ByteBuffer message, RpcResponseCallback callback) {
                try {
                    ByteBuffer m = message.order(ByteOrder.LITTLE_ENDIAN);
                    byte kind = m.get();
                    long stage = m.getLong();
                    int attempt = m.getInt();
                    int slices = m.getInt();
                    int block = m.getInt();
                    int blocks = m.getInt();
                    int length = m.getInt();
                    if (kind != HELLO || length != m.remaining() || length > 1024) {
                        throw new IllegalArgumentException("unexpected message of kind " + kind + " and " + m.remaining()
                                + " bytes");
                    }
                    byte[] text = new byte[length];
                    m.get(text);
                    hello(stage, attempt, slices, block, blocks, new String(text, java.nio.charset.StandardCharsets.UTF_8),
                            callback);
                } catch (RuntimeException e) {
                    callback.onFailure(e);
                }
            }

            /** Floats: decoded as they arrive, straight into the array the mailbox will hold. */
            @Override
            public StreamCallbackWithID receiveStream(TransportClient client, ByteBuffer header, RpcResponseCallback callback) {
                ByteBuffer m = header.order(ByteOrder.LITTLE_ENDIAN);
                byte kind = m.get();
                Key key = new Key(m.getLong(), m.getInt(), kind, m.getInt(), m.getInt());
                m.getInt();
                int length = m.getInt();
                if (kind != WEIGHT_PART && kind != GRADIENT_PART && kind != SUM || length < 0) {
                    throw new IllegalArgumentException("unexpected stream of kind " + kind + " for " + length + " floats");
                }
                return new FloatSink(key, length);
            }

            @Override
            public StreamManager getStreamManager() {
                return streams;
            }
        }

        /** One stream of floats, decoded chunk by chunk (a float may straddle two chunks). */
        private final class FloatSink implements StreamCallbackWithID {
            private final Key key;
            private final float[] values;
            private int filled;
            private int carry;
            private int carried;

            FloatSink(Key key, int length) {
                this.key = key;
                this.values = MessageBuffers.take(length);
            }

            @Override
            public String getID() {
                return key.toString();
            }

            @Override
            public void onData(String id, ByteBuffer buf) throws IOException {
                buf.order(ByteOrder.LITTLE_ENDIAN);
                while (carried > 0 && buf.hasRemaining()) {
                    take(buf.get());
                }
                int n = Math.min(buf.remaining() / 4, values.length - filled);
                buf.asFloatBuffer().get(values, filled, n);
                filled += n;
                buf.position(buf.position() + 4 * n);
                while (buf.hasRemaining()) {
                    take(buf.get());
                }
            }

            private void take(byte b) throws IOException {
                if (filled == values.length) {
                    throw new IOException(key + ": more bytes than its " + values.length + " floats");
                }
                carry |= (b & 0xff) << (8 * carried);
                if (++carried == 4) {
                    values[filled++] = Float.intBitsToFloat(carry);
                    carry = 0;
                    carried = 0;
                }
            }

            @Override
            public void onComplete(String id) throws IOException {
                if (filled != values.length || carried != 0) {
                    MessageBuffers.giveBack(values);
                    throw new IOException(key + ": " + filled + " of " + values.length + " floats arrived");
                }
                synchronized (mailbox) {
                    if (key.stage() >= oldestStage) {
                        mailbox.put(key, values);
                        mailbox.notifyAll();
                        return;
                    }
                }
                MessageBuffers.giveBack(values);
            }

            @Override
            public void onFailure(String id, Throwable cause) {
                MessageBuffers.giveBack(values);
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
        boolean[] seen = new boolean[ranges.slices()];
        for (Summed s : reported) {
            float[] values = driver.take(new Key(s.stage(), s.attempt(), SUM, s.slice(), -1), null, "slice " + s.slice());
            if (values == null || values.length != ranges.size(s.slice())) {
                throw new IllegalStateException("step " + step + ": slice " + s.slice() + " of the gradient "
                        + (values == null ? "never arrived" : "has " + values.length + " values, expected " + ranges.size(s.slice())));
            }
            System.arraycopy(values, 0, into, ranges.from(s.slice()), values.length);
            MessageBuffers.giveBack(values);
            seen[s.slice()] = true;
        }
        for (int s = 0; s < seen.length; s++) {
            if (!seen[s]) {
                throw new IllegalStateException("step " + step + ": slice " + s + " of the gradient never arrived");
            }
        }
        if (!reported.isEmpty()) {
            driver.pruneBefore(reported.get(0).stage() + 1);
        }
    }
}

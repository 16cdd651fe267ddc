package org.inceptionspark.driver.train;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * One driver per run directory: {@code <run dir>/_driver.lock} on the run directory's Hadoop
 * filesystem names its holder (application id, host, process, start time); its modification time
 * is when the holder last renewed it. A second driver fails at once, naming the holder. The holder renews the lock
 * ({@link #renew}, once per step, and from a background thread while a long evaluation or
 * checkpoint runs); a lock not renewed for {@code staleAfter} belongs to a driver that died, and
 * may be taken over when the caller asks for it explicitly. Renewing first checks the lock is
 * still ours, so a driver whose lock was taken over stops instead of writing on.
 */
public final class RunLock implements AutoCloseable {
    public static final String FILE = "_driver.lock";

    /** What a lock file says about its holder. */
    public record Holder(String token, String application, String host, long pid, Instant started, Instant renewed) {
        String describe(Instant now) {
            return String.format("application %s on %s (pid %d), started %s, last renewed %s (%ds ago)", application, host, pid,
                    started, renewed, Duration.between(renewed, now).toSeconds());
        }
    }

    /** Another driver holds the run directory. */
    public static final class LockedException extends IOException {
        private static final long serialVersionUID = 1L;

        LockedException(String message) {
            super(message);
        }
    }

    private final FileSystem fs;
    private final Path file;
    private final Duration staleAfter;
    private Holder mine;
    private ScheduledExecutorService heartbeat;
    private volatile IOException lost;

    private RunLock(FileSystem fs, Path file, Duration staleAfter, Holder mine) {
        this.fs = fs;
        this.file = file;
        this.staleAfter = staleAfter;
        this.mine = mine;
    }

    /**
     * Takes the lock of {@code runDir}, or fails naming its holder.
     *
     * @param application what to record as the holder's application (the Spark application id, or a
     *                    placeholder until Spark has started: {@link #setApplication})
     * @param takeOverStale whether a lock its holder stopped renewing {@code staleAfter} ago may be taken
     */
    public static RunLock acquire(String runDir, Configuration hadoop, String application, Duration staleAfter,
                                  boolean takeOverStale) throws IOException {
        Path file = new Path(runDir, FILE);
        FileSystem fs = file.getFileSystem(hadoop);
        fs.mkdirs(file.getParent());
        Instant now = Instant.now();
        Holder mine = new Holder(UUID.randomUUID().toString(), application, host(), ProcessHandle.current().pid(), now, now);
        if (fs.exists(file)) {
            Holder other = read(fs, file);
            boolean stale = Duration.between(other.renewed(), now).compareTo(staleAfter) > 0 || deadOnThisHost(other);
            if (!stale) {
                throw new LockedException("run directory " + runDir + " is in use by another driver: " + other.describe(now)
                        + ". Wait for it to finish or stop it; a lock not renewed for " + staleAfter.toSeconds()
                        + " s can be taken over with -Dinception.run.take-over-stale-lock=true (" + file + ")");
            }
            if (!takeOverStale) {
                throw new LockedException("run directory " + runDir + " is locked by a driver that stopped renewing its lock"
                        + (deadOnThisHost(other) ? " (its process is gone)" : "") + ": "
                        + other.describe(now) + ". If that driver is gone, take the lock over with"
                        + " -Dinception.run.take-over-stale-lock=true (" + file + ")");
            }
            fs.delete(file, false);
        }
        // create without overwrite: of two drivers starting together (on HDFS, where create is
        // atomic) only one succeeds
        try (OutputStream out = fs.create(file, false)) {
            out.write(serialize(mine));
        } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
            Holder other = read(fs, file);
            throw new LockedException("run directory " + runDir + " was locked at the same moment by another driver: "
                    + other.describe(Instant.now()) + " (" + file + ")");
        }
        RunLock lock = new RunLock(fs, file, staleAfter, mine);
        lock.renew();   // reads back: on a filesystem without atomic create the last writer wins, and the other fails here
        return lock;
    }

    /** The holder this lock records. */
    public synchronized Holder holder() {
        return mine;
    }

    public Path file() {
        return file;
    }

    /** Records the application id once Spark has given one. */
    public synchronized void setApplication(String application) throws IOException {
        renew();
        mine = new Holder(mine.token(), application, mine.host(), mine.pid(), mine.started(), mine.renewed());
        try (OutputStream out = fs.create(file, true)) {
            out.write(serialize(mine));
        }
    }

    /**
     * Renews the lock after checking that it is still ours.
     *
     * @throws LockedException if another driver took it over or it was removed
     */
    public synchronized void renew() throws IOException {
        if (lost != null) {
            throw lost;
        }
        Holder now = fs.exists(file) ? read(fs, file) : null;
        if (now == null || !now.token().equals(mine.token())) {
            lost = new LockedException("lost the lock of " + file.getParent() + ": "
                    + (now == null ? "its file " + file + " was removed" : "taken over by " + now.describe(Instant.now()))
                    + "; stopping so that two drivers never write the same run");
            throw lost;
        }
        mine = new Holder(mine.token(), mine.application(), mine.host(), mine.pid(), mine.started(), Instant.now());
        // the renewal is the file's modification time, set in one call: rewriting the file would
        // leave it half written, and unreadable to the next driver, if this one is killed meanwhile
        fs.setTimes(file, mine.renewed().toEpochMilli(), -1);
    }

    /** Renews in the background every quarter of the stale time, so long evaluations and checkpoints keep it. */
    public synchronized void startHeartbeat() {
        if (heartbeat != null) {
            return;
        }
        heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "run-lock-heartbeat");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(1, staleAfter.toMillis() / 4);
        heartbeat.scheduleWithFixedDelay(() -> {
            try {
                renew();
            } catch (IOException e) {
                // remembered in lost when it is a loss; the step loop's renew() throws it
            }
        }, period, period, TimeUnit.MILLISECONDS);
    }

    /** Removes the lock file if it is still ours. */
    @Override
    public synchronized void close() throws IOException {
        if (heartbeat != null) {
            heartbeat.shutdownNow();
        }
        if (lost == null && fs.exists(file) && read(fs, file).token().equals(mine.token())) {
            fs.delete(file, false);
        }
    }

    static Holder read(FileSystem fs, Path file) throws IOException {
        Properties p = new Properties();
        try (InputStream in = fs.open(file)) {
            p.load(new StringReader(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.io.FileNotFoundException e) {
            throw new LockedException("the lock " + file + " vanished while being read: another driver is starting or stopping");
        }
        Instant renewed = Instant.ofEpochMilli(fs.getFileStatus(file).getModificationTime());
        try {
            return new Holder(p.getProperty("token", ""), p.getProperty("application", "?"), p.getProperty("host", "?"),
                    Long.parseLong(p.getProperty("pid", "-1")), Instant.parse(p.getProperty("started")), renewed);
        } catch (RuntimeException e) {
            // half written (its holder killed while writing it) or damaged: only its age can tell
            return new Holder(p.getProperty("token", ""), p.getProperty("application", "?"), p.getProperty("host", "?"), -1,
                    renewed, renewed);
        }
    }

    private static byte[] serialize(Holder h) throws IOException {
        Properties p = new Properties();
        p.setProperty("token", h.token());
        p.setProperty("application", h.application());
        p.setProperty("host", h.host());
        p.setProperty("pid", Long.toString(h.pid()));
        p.setProperty("started", h.started().toString());
        StringWriter w = new StringWriter();
        p.store(w, "inception-spark driver lock");
        return w.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** A holder on this host whose process is gone (killed) is stale at once: it cannot renew again. */
    private static boolean deadOnThisHost(Holder h) {
        return h.host().equals(host()) && h.pid() > 0 && ProcessHandle.of(h.pid()).map(p -> !p.isAlive()).orElse(true);
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return ManagementFactory.getRuntimeMXBean().getName();
        }
    }
}

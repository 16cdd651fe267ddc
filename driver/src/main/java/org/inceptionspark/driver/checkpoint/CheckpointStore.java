package org.inceptionspark.driver.checkpoint;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
import org.inceptionspark.optim.Plateau;
import org.inceptionspark.worker.FloatBytes;

/**
 * Checkpoints of one run under {@code <run dir>/checkpoints} on any Hadoop filesystem. Each is a
 * folder {@code step-000000120} written in full under a temporary name, each file synced, and
 * then renamed, so a reader never sees half a checkpoint; only the newest {@code keep} are kept.
 * {@code state.properties} records every file's length and CRC-32: a reader checks sizes before
 * it allocates anything and the checksum after, so a damaged checkpoint is named, and
 * {@link #readNewestValid} falls back to the one before.
 */
public final class CheckpointStore {
    private static final String PREFIX = "step-";
    private static final String TEMP_PREFIX = "_writing-";
    private static final int MAGIC = 0x49534350; // "ISCP"

    private final Path dir;
    private final FileSystem fs;
    private final int keep;

    public CheckpointStore(String runDir, Configuration hadoop, int keep) throws IOException {
        this.dir = new Path(runDir, "checkpoints");
        this.fs = dir.getFileSystem(hadoop);
        this.keep = keep;
    }

    /**
     * Test hook, {@code STEP:MS}: wait MS milliseconds after each file of the checkpoint of step
     * STEP, so a test can kill the driver mid-write.
     */
    public static final String PAUSE_PROPERTY = "inception.fault.checkpoint-pause-ms";

    /** A checkpoint that is there but cannot be used, and why. */
    public record Damaged(Path path, String reason) {
    }

    /** The newest checkpoint that reads back whole, and the newer ones that did not. */
    public record Newest(Optional<Path> path, Optional<Checkpoint> checkpoint, List<Damaged> skipped) {
    }

    /** Writes a checkpoint; synchronized so a shutdown hook's checkpoint and the step loop's never interleave. */
    public synchronized Path save(Checkpoint c) throws IOException {
        fs.mkdirs(dir);
        String name = String.format("%s%09d", PREFIX, c.step());
        Path tmp = new Path(dir, TEMP_PREFIX + name);
        Path target = new Path(dir, name);
        fs.delete(tmp, true);
        fs.mkdirs(tmp);
        Properties p = new Properties();
        p.setProperty("step", Long.toString(c.step()));
        List<String> files = new ArrayList<>();
        writeVector(new Path(tmp, "params.f32"), c.params(), p, files);
        if (c.average() != null) {
            writeVector(new Path(tmp, "average.f32"), c.average(), p, files);
        }
        for (Map.Entry<String, float[]> slot : c.slots().entrySet()) {
            writeVector(new Path(tmp, "slot-" + slot.getKey() + ".f32"), slot.getValue(), p, files);
        }
        writeText(new Path(tmp, "graph.json"), c.graphJson(), p, files);
        writeText(new Path(tmp, "run.conf"), c.configText(), p, files);
        p.setProperty("files", String.join(",", files));
        p.setProperty("step", Long.toString(c.step()));
        p.setProperty("skippedSteps", Long.toString(c.skippedSteps()));
        p.setProperty("seed", Long.toString(c.seed()));
        p.setProperty("replicas", Integer.toString(c.replicas()));
        p.setProperty("slots", String.join(",", c.slots().keySet()));
        if (c.plateau() != null) {
            // Double.toString reads back to the same bits: a resumed run compares against the same best.
            p.setProperty("plateau.best", Double.toString(c.plateau().best()));
            p.setProperty("plateau.since-improvement", Integer.toString(c.plateau().sinceImprovement()));
            p.setProperty("plateau.cuts", Integer.toString(c.plateau().cuts()));
            p.setProperty("plateau.last-evaluated-step", Long.toString(c.plateau().lastEvaluatedStep()));
        }
        try (var out = fs.create(new Path(tmp, "state.properties"), true)) {
            p.store(out, "inception-spark checkpoint");
            out.hsync();
        }
        if (fs.exists(target)) {
            fs.delete(target, true);
        }
        if (!fs.rename(tmp, target)) {
            throw new IOException("could not rename checkpoint " + tmp + " to " + target);
        }
        prune();
        return target;
    }

    /** The newest complete checkpoint of the run, if any. */
    public Optional<Path> latest() throws IOException {
        List<Path> all = list();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /**
     * Removes temporaries of checkpoint writes that never finished (a driver killed mid-write); only
     * for the driver that holds the run directory's lock. Returns what it removed.
     */
    public synchronized List<Path> removeStaleTemporaries() throws IOException {
        List<Path> removed = new ArrayList<>();
        if (!fs.exists(dir)) {
            return removed;
        }
        for (FileStatus s : fs.listStatus(dir)) {
            if (s.getPath().getName().startsWith(TEMP_PREFIX)) {
                fs.delete(s.getPath(), true);
                removed.add(s.getPath());
            }
        }
        return removed;
    }

    /** The newest checkpoint that reads back whole; damaged newer ones are listed, not used. */
    public Newest readNewestValid() throws IOException {
        List<Path> all = list();
        List<Damaged> damaged = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0; i--) {
            try {
                return new Newest(Optional.of(all.get(i)), Optional.of(readFolder(fs, all.get(i))), damaged);
            } catch (IOException | RuntimeException e) {
                damaged.add(new Damaged(all.get(i), e.getMessage()));
            }
        }
        return new Newest(Optional.empty(), Optional.empty(), damaged);
    }

    /** Complete checkpoints, oldest first (interrupted writes are ignored). */
    public List<Path> list() throws IOException {
        List<Path> out = new ArrayList<>();
        if (!fs.exists(dir)) {
            return out;
        }
        for (FileStatus s : fs.listStatus(dir)) {
            if (s.isDirectory() && s.getPath().getName().startsWith(PREFIX)) {
                out.add(s.getPath());
            }
        }
        out.sort(Comparator.comparing(Path::getName));
        return out;
    }

    private void prune() throws IOException {
        List<Path> all = list();
        for (int i = 0; i < all.size() - keep; i++) {
            fs.delete(all.get(i), true);
        }
    }

    /** Reads a checkpoint folder (a path given by a user, or one from {@link #latest}). */
    public static Checkpoint read(String path, Configuration hadoop) throws IOException {
        Path p = new Path(path);
        FileSystem fs = p.getFileSystem(hadoop);
        if (!fs.exists(new Path(p, "state.properties"))) {
            // A run directory: take its newest checkpoint.
            Optional<Path> latest = new CheckpointStore(path, hadoop, Integer.MAX_VALUE).latest();
            if (latest.isEmpty()) {
                throw new IOException("no checkpoint at " + path + " (neither a checkpoint folder nor a run directory with checkpoints)");
            }
            p = latest.get();
        }
        return readFolder(fs, p);
    }

    private static Checkpoint readFolder(FileSystem fs, Path p) throws IOException {
        Properties props = new Properties();
        try (var in = fs.open(new Path(p, "state.properties"))) {
            props.load(in);
        } catch (IOException e) {
            throw new IOException("checkpoint " + p + ": state.properties cannot be read: " + e.getMessage(), e);
        }
        try {
            LinkedHashMap<String, float[]> slots = new LinkedHashMap<>();
            String slotNames = props.getProperty("slots", "");
            for (String s : slotNames.isEmpty() ? new String[0] : slotNames.split(",")) {
                slots.put(s, readVector(fs, new Path(p, "slot-" + s + ".f32"), props));
            }
            Path avg = new Path(p, "average.f32");
            return new Checkpoint(Long.parseLong(props.getProperty("step")), Long.parseLong(props.getProperty("skippedSteps")),
                    Long.parseLong(props.getProperty("seed")), Integer.parseInt(props.getProperty("replicas")),
                    readText(fs, new Path(p, "graph.json"), props), readText(fs, new Path(p, "run.conf"), props),
                    readVector(fs, new Path(p, "params.f32"), props), slots, fs.exists(avg) ? readVector(fs, avg, props) : null,
                    props.containsKey("plateau.cuts") ? new Plateau.State(Double.parseDouble(props.getProperty("plateau.best")),
                            Integer.parseInt(props.getProperty("plateau.since-improvement")),
                            Integer.parseInt(props.getProperty("plateau.cuts")),
                            Long.parseLong(props.getProperty("plateau.last-evaluated-step"))) : null);
        } catch (NumberFormatException | NullPointerException e) {
            throw new IOException("checkpoint " + p + ": state.properties is incomplete or damaged (" + e + ")", e);
        }
    }

    private void writeVector(Path file, float[] v, Properties record, List<String> files) throws IOException {
        CRC32 crc = new CRC32();
        try (var raw = fs.create(file, true);
             DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(new CheckedOutputStream(raw, crc), 1 << 20))) {
            out.writeInt(MAGIC);
            FloatBytes.write(out, v, 0, v.length);
            out.flush();
            raw.hsync();
        }
        recordFile(file, 8L + 4L * v.length, crc, record, files, step(record));
    }

    private static long step(Properties record) {
        return Long.parseLong(record.getProperty("step", "-1"));
    }

    private void recordFile(Path file, long length, CRC32 crc, Properties record, List<String> files, long step) {
        record.setProperty("length." + file.getName(), Long.toString(length));
        record.setProperty("crc32." + file.getName(), Long.toString(crc.getValue()));
        files.add(file.getName());
        pauseForTests(step);
    }

    private static void pauseForTests(long step) {
        String spec = System.getProperty(PAUSE_PROPERTY);
        if (spec != null && spec.startsWith(step + ":")) {
            try {
                Thread.sleep(Long.parseLong(spec.substring(spec.indexOf(':') + 1)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The file's length against what state.properties recorded and what its own header claims,
     * before the array is allocated: a damaged header must not allocate gigabytes.
     */
    private static long checkLength(FileSystem fs, Path file, Properties record) throws IOException {
        if (!fs.exists(file)) {
            throw new IOException("checkpoint file " + file + " is missing");
        }
        long actual = fs.getFileStatus(file).getLen();
        String recorded = record.getProperty("length." + file.getName());
        if (recorded != null && Long.parseLong(recorded) != actual) {
            throw new IOException("checkpoint file " + file + " is " + actual + " bytes, " + recorded + " were written");
        }
        return actual;
    }

    private static void checkCrc(Path file, CRC32 crc, Properties record) throws IOException {
        String recorded = record.getProperty("crc32." + file.getName());
        if (recorded != null && Long.parseLong(recorded) != crc.getValue()) {
            throw new IOException("checkpoint file " + file + " is damaged: CRC-32 " + crc.getValue() + ", " + recorded
                    + " was written");
        }
    }

    private static float[] readVector(FileSystem fs, Path file, Properties record) throws IOException {
        long length = checkLength(fs, file, record);
        CRC32 crc = new CRC32();
        float[] v;
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(
                new CheckedInputStream(fs.open(file), crc), 1 << 20))) {
            if (length < 8 || in.readInt() != MAGIC) {
                throw new IOException(file + " is not an inception-spark checkpoint vector");
            }
            in.mark(4);
            long n = in.readInt();
            in.reset();
            if (n < 0 || 8L + 4L * n != length) {
                throw new IOException("checkpoint file " + file + " is damaged: its header claims " + n + " values, its "
                        + length + " bytes hold " + (length - 8) / 4);
            }
            v = FloatBytes.read(in);
            if (in.read() != -1) {
                throw new IOException("checkpoint file " + file + " has bytes after its values");
            }
        } catch (java.io.EOFException e) {
            throw new IOException("checkpoint file " + file + " ends early: " + e.getMessage(), e);
        }
        checkCrc(file, crc, record);
        return v;
    }

    private void writeText(Path file, String text, Properties record, List<String> files) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        try (var out = fs.create(file, true)) {
            out.write(bytes);
            out.hsync();
        }
        CRC32 crc = new CRC32();
        crc.update(bytes);
        recordFile(file, bytes.length, crc, record, files, step(record));
    }

    private static String readText(FileSystem fs, Path file, Properties record) throws IOException {
        checkLength(fs, file, record);
        try (var in = fs.open(file)) {
            byte[] bytes = in.readAllBytes();
            CRC32 crc = new CRC32();
            crc.update(bytes);
            checkCrc(file, crc, record);
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }
}

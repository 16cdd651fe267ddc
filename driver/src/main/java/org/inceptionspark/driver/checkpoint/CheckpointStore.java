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
import org.inceptionspark.worker.FloatBytes;

/**
 * Checkpoints of one run under {@code <run dir>/checkpoints} on any Hadoop filesystem. Each is a
 * folder {@code step-000000120} written in full under a temporary name and then renamed, so a
 * reader never sees half a checkpoint; only the newest {@code keep} are kept.
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

    public Path save(Checkpoint c) throws IOException {
        fs.mkdirs(dir);
        String name = String.format("%s%09d", PREFIX, c.step());
        Path tmp = new Path(dir, TEMP_PREFIX + name);
        Path target = new Path(dir, name);
        fs.delete(tmp, true);
        fs.mkdirs(tmp);
        writeVector(new Path(tmp, "params.f32"), c.params());
        if (c.average() != null) {
            writeVector(new Path(tmp, "average.f32"), c.average());
        }
        for (Map.Entry<String, float[]> slot : c.slots().entrySet()) {
            writeVector(new Path(tmp, "slot-" + slot.getKey() + ".f32"), slot.getValue());
        }
        writeText(new Path(tmp, "graph.json"), c.graphJson());
        writeText(new Path(tmp, "run.conf"), c.configText());
        Properties p = new Properties();
        p.setProperty("step", Long.toString(c.step()));
        p.setProperty("skippedSteps", Long.toString(c.skippedSteps()));
        p.setProperty("seed", Long.toString(c.seed()));
        p.setProperty("replicas", Integer.toString(c.replicas()));
        p.setProperty("slots", String.join(",", c.slots().keySet()));
        try (var out = fs.create(new Path(tmp, "state.properties"), true)) {
            p.store(out, "inception-spark checkpoint");
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
        Properties props = new Properties();
        try (var in = fs.open(new Path(p, "state.properties"))) {
            props.load(in);
        }
        LinkedHashMap<String, float[]> slots = new LinkedHashMap<>();
        String slotNames = props.getProperty("slots", "");
        for (String s : slotNames.isEmpty() ? new String[0] : slotNames.split(",")) {
            slots.put(s, readVector(fs, new Path(p, "slot-" + s + ".f32")));
        }
        Path avg = new Path(p, "average.f32");
        return new Checkpoint(Long.parseLong(props.getProperty("step")), Long.parseLong(props.getProperty("skippedSteps")),
                Long.parseLong(props.getProperty("seed")), Integer.parseInt(props.getProperty("replicas")),
                readText(fs, new Path(p, "graph.json")), readText(fs, new Path(p, "run.conf")),
                readVector(fs, new Path(p, "params.f32")), slots, fs.exists(avg) ? readVector(fs, avg) : null);
    }

    private void writeVector(Path file, float[] v) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(fs.create(file, true), 1 << 20))) {
            out.writeInt(MAGIC);
            FloatBytes.write(out, v, 0, v.length);
        }
    }

    private static float[] readVector(FileSystem fs, Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(fs.open(file), 1 << 20))) {
            if (in.readInt() != MAGIC) {
                throw new IOException(file + " is not an inception-spark checkpoint vector");
            }
            return FloatBytes.read(in);
        }
    }

    private void writeText(Path file, String text) throws IOException {
        try (var out = fs.create(file, true)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static String readText(FileSystem fs, Path file) throws IOException {
        try (var in = fs.open(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}

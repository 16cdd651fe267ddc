package org.inceptionspark.driver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.inceptionspark.driver.commands.ExportCommand;
import org.inceptionspark.driver.checkpoint.Checkpoint;
import org.inceptionspark.driver.checkpoint.CheckpointModels;
import org.inceptionspark.driver.checkpoint.CheckpointStore;
import org.inceptionspark.driver.train.RunLock;

/**
 * A model registry on any Hadoop filesystem:
 * <pre>
 * DIR/versions/vN/model.zip       the exported model (moving-average weights), for serving
 * DIR/versions/vN/checkpoints/    the run's final checkpoint, for warm starts and evaluation
 * DIR/versions/vN/metadata.json   version, parent, run, configuration, digests, metrics, time
 * DIR/current                     the current version's name
 * DIR/_driver.lock                held while a retrain or rollback changes the registry
 * </pre>
 * A version is written in full under a temporary name and renamed into place, never changed
 * afterwards; {@code current} is replaced by an atomic rename (HDFS's rename with overwrite), so a
 * reader sees the old or the new current version, never a half-written one.
 */
public final class ModelRegistry {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String VERSION_PREFIX = "v";
    private static final String WRITING_PREFIX = "_writing-";

    private final Path root;
    private final FileSystem fs;
    private final Configuration hadoop;

    public ModelRegistry(String dir, Configuration hadoop) throws IOException {
        this.root = new Path(dir);
        this.fs = root.getFileSystem(hadoop);
        this.hadoop = hadoop;
    }

    public String location() {
        return fs.makeQualified(root).toString();
    }

    /** Another retrain or rollback holds the registry. */
    public static final class BusyException extends IOException {
        private static final long serialVersionUID = 1L;

        BusyException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A holder that stops renewing the lock (a killed process) for this long leaves a stale lock. */
    private static final Duration LOCK_STALE_AFTER = Duration.ofMinutes(10);

    /**
     * Held while a retrain or rollback changes this registry (the run directories' {@link RunLock},
     * on the registry's folder, renewed by a heartbeat); fails at once if another process holds it.
     */
    public RunLock lock(String purpose) throws IOException {
        RunLock lock;
        try {
            lock = RunLock.acquire(root.toString(), hadoop, purpose, LOCK_STALE_AFTER, false);
        } catch (RunLock.LockedException e) {
            throw new BusyException("the registry " + location() + " is locked by another retrain or rollback ("
                    + e.getMessage() + "); a process killed while holding it leaves " + new Path(root, RunLock.FILE)
                    + ": remove that file once the process is gone", e);
        }
        lock.startHeartbeat();
        return lock;
    }

    /** The current version's name, if any has been promoted. */
    public Optional<String> current() throws IOException {
        Path p = new Path(root, "current");
        if (!fs.exists(p)) {
            return Optional.empty();
        }
        try (var in = fs.open(p)) {
            return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).trim());
        }
    }

    /** Complete versions, oldest first. */
    public List<String> versions() throws IOException {
        List<Integer> numbers = new ArrayList<>();
        Path dir = new Path(root, "versions");
        if (fs.exists(dir)) {
            for (FileStatus s : fs.listStatus(dir)) {
                String n = s.getPath().getName();
                if (s.isDirectory() && n.matches(VERSION_PREFIX + "\\d+")) {
                    numbers.add(Integer.parseInt(n.substring(VERSION_PREFIX.length())));
                }
            }
        }
        return numbers.stream().sorted().map(n -> VERSION_PREFIX + n).toList();
    }

    /** A version's name from what a user typed: {@code v3} or {@code 3}; fails naming the versions there are. */
    public String resolve(String typed) throws IOException {
        String v = typed.matches("\\d+") ? VERSION_PREFIX + Integer.parseInt(typed) : typed;
        List<String> all = versions();
        if (!all.contains(v)) {
            throw new IllegalArgumentException("no version " + typed + " in the registry " + location()
                    + (all.isEmpty() ? " (it holds none)" : " (it holds " + String.join(", ", all) + ")"));
        }
        return v;
    }

    public Path versionDir(String version) {
        return new Path(new Path(root, "versions"), version);
    }

    public JsonNode metadata(String version) throws IOException {
        try (var in = fs.open(new Path(versionDir(version), "metadata.json"))) {
            return JSON.readTree(in);
        }
    }

    /** The version's checkpoint: its weights, moving average, optimizer state and network. */
    public Checkpoint checkpoint(String version) throws IOException {
        return CheckpointStore.read(versionDir(version).toString(), hadoop);
    }

    /** The name the next published version gets. */
    public String nextVersion() throws IOException {
        List<String> all = versions();
        int last = all.isEmpty() ? 0 : Integer.parseInt(all.get(all.size() - 1).substring(VERSION_PREFIX.length()));
        return VERSION_PREFIX + (last + 1);
    }

    /**
     * Writes a new immutable version: the exported model (the candidate's network with
     * {@code modelWeights}: the weights its evaluation ran with), the checkpoint and {@code metadata}
     * (to which {@code version} is added), under a temporary name and then renamed into place.
     * Does not move {@code current}.
     */
    public void publish(String version, Checkpoint candidate, float[] modelWeights, ObjectNode metadata)
            throws IOException {
        Path target = versionDir(version);
        if (fs.exists(target)) {
            throw new IOException("version " + version + " already exists in " + location() + ": versions are never rewritten");
        }
        Path tmp = new Path(target.getParent(), WRITING_PREFIX + version);
        fs.delete(tmp, true);
        fs.mkdirs(tmp);
        org.deeplearning4j.nn.graph.ComputationGraph model = CheckpointModels.evaluationGraph(candidate);
        model.setParams(org.nd4j.linalg.factory.Nd4j.createFromArray(modelWeights).reshape(1, modelWeights.length));
        ExportCommand.writeModel(model, new Path(tmp, "model.zip"), hadoop);
        new CheckpointStore(tmp.toString(), hadoop, 1).save(candidate);
        metadata.put("version", version);
        try (var out = fs.create(new Path(tmp, "metadata.json"), false)) {
            out.write(JSON.writeValueAsBytes(metadata));
        }
        if (!fs.rename(tmp, target)) {
            throw new IOException("could not rename " + tmp + " to " + target);
        }
    }

    /** Makes {@code version} the current one, atomically. */
    public void setCurrent(String version) throws IOException {
        Path current = new Path(root, "current");
        Path tmp = new Path(root, "_current.tmp");
        try (var out = fs.create(tmp, true)) {
            out.write((version + "\n").getBytes(StandardCharsets.UTF_8));
        }
        FileContext.getFileContext(fs.getUri(), hadoop).rename(fs.makeQualified(tmp), fs.makeQualified(current),
                Options.Rename.OVERWRITE);
    }

    public static String json(JsonNode node) throws IOException {
        return JSON.writeValueAsString(node);
    }

    public static ObjectNode newObject() {
        return JSON.createObjectNode();
    }

    public static ObjectMapper mapper() {
        return JSON;
    }
}

package org.inceptionspark.worker.eval;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.inceptionspark.model.ModelZoo;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A ComputationGraph as broadcastable bytes: its configuration JSON and its flat parameter vector
 * (no updater state; evaluation needs none). Executors rebuild it once per JVM ({@link #graph}) and
 * keep the networks of one evaluation only: the first use of another evaluation's snapshot drops
 * the networks of every earlier one (a driver evaluates one after the other), so an executor's
 * memory stays flat over a run's evaluations; {@link #release} drops them at once.
 */
public final class ModelSnapshot implements Serializable {
    /** Rebuilt networks by evaluation, then by snapshot. */
    private static final Map<String, Map<String, ComputationGraph>> RESTORED = new ConcurrentHashMap<>();

    private final String evaluation;
    private final String id;
    private final String name;
    private final String configJson;
    private final byte[] params;

    private ModelSnapshot(String evaluation, String id, String name, String configJson, byte[] params) {
        this.evaluation = evaluation;
        this.id = id;
        this.name = name;
        this.configJson = configJson;
        this.params = params;
    }

    /** A new evaluation's id: the snapshots of one evaluation (an ensemble's models) share it. */
    public static String newEvaluation() {
        return UUID.randomUUID().toString();
    }

    /** Drops this JVM's networks of an evaluation (local mode: the driver's own JVM runs the tasks). */
    public static void release(String evaluation) {
        RESTORED.remove(evaluation);
    }

    /** Networks this JVM holds, over all evaluations. */
    public static int restoredNetworks() {
        return RESTORED.values().stream().mapToInt(Map::size).sum();
    }

    public static ModelSnapshot of(String evaluation, String name, ComputationGraph graph) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bos)) {
            Nd4j.write(graph.params(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ModelSnapshot(evaluation, UUID.randomUUID().toString(), name, graph.getConfiguration().toJson(),
                bos.toByteArray());
    }

    public String name() {
        return name;
    }

    /** The rebuilt network, shared by the tasks of this JVM; callers synchronize on it around output(). */
    public ComputationGraph graph() {
        if (RESTORED.size() > 1 || (RESTORED.size() == 1 && !RESTORED.containsKey(evaluation))) {
            RESTORED.keySet().removeIf(e -> !e.equals(evaluation));
        }
        return RESTORED.computeIfAbsent(evaluation, e -> new ConcurrentHashMap<>()).computeIfAbsent(id, k -> newGraph());
    }

    /** A network of its own for the caller (training-mode passes change a network's state). */
    public ComputationGraph newGraph() {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(params))) {
            INDArray p = Nd4j.read(in);
            return ModelZoo.dl4jNetwork(ComputationGraphConfiguration.fromJson(configJson), p);
        } catch (IOException e) {
            throw new UncheckedIOException("restoring model " + name, e);
        }
    }
}

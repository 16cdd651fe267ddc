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
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A ComputationGraph as broadcastable bytes: its configuration JSON and its flat parameter vector
 * (no updater state; evaluation needs none). Executors rebuild it once per JVM ({@link #graph}).
 */
public final class ModelSnapshot implements Serializable {
    private static final Map<String, ComputationGraph> RESTORED = new ConcurrentHashMap<>();

    private final String id;
    private final String name;
    private final String configJson;
    private final byte[] params;

    private ModelSnapshot(String id, String name, String configJson, byte[] params) {
        this.id = id;
        this.name = name;
        this.configJson = configJson;
        this.params = params;
    }

    public static ModelSnapshot of(String name, ComputationGraph graph) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bos)) {
            Nd4j.write(graph.params(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ModelSnapshot(UUID.randomUUID().toString(), name, graph.getConfiguration().toJson(),
                bos.toByteArray());
    }

    public String name() {
        return name;
    }

    /** The rebuilt network, shared by the tasks of this JVM; callers synchronize on it around output(). */
    public ComputationGraph graph() {
        return RESTORED.computeIfAbsent(id, k -> newGraph());
    }

    /** A network of its own for the caller (training-mode passes change a network's state). */
    public ComputationGraph newGraph() {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(params))) {
            INDArray p = Nd4j.read(in);
            ComputationGraph g = new ComputationGraph(ComputationGraphConfiguration.fromJson(configJson));
            g.init(p, false);
            return g;
        } catch (IOException e) {
            throw new UncheckedIOException("restoring model " + name, e);
        }
    }
}

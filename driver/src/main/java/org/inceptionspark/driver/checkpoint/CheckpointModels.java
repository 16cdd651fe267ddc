package org.inceptionspark.driver.checkpoint;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import org.inceptionspark.config.ConfigLoader;
import org.inceptionspark.config.InceptionConfig;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.inceptionspark.model.ModelZoo;
import org.inceptionspark.optim.ParameterLayout;
import org.nd4j.linalg.factory.Nd4j;

/** Networks for evaluation and export: from a checkpoint (its moving-average weights) or a DL4J model zip. */
public final class CheckpointModels {
    private CheckpointModels() {
    }

    /** The checkpoint's network with its evaluation weights (the moving average when there is one). */
    public static ComputationGraph evaluationGraph(Checkpoint c) {
        ComputationGraph g = graph(c);
        float[] w = c.evaluationParams();
        g.setParams(Nd4j.createFromArray(w).reshape(1, w.length));
        return g;
    }

    /** Where the checkpoint's network keeps each tensor in its flat vectors. */
    public static ParameterLayout layout(Checkpoint c) {
        return ParameterLayout.of(graph(c));
    }

    /** The network the checkpoint was written with, initialised (its own weights not loaded). */
    private static ComputationGraph graph(Checkpoint c) {
        return ModelZoo.dl4jNetwork(ComputationGraphConfiguration.fromJson(c.graphJson()), null);
    }

    /**
     * The configuration the checkpoint's run trained with, under {@code overrides} ({@code -D} keys
     * with their {@code inception.} prefix), validated as any configuration is.
     */
    public static InceptionConfig config(Checkpoint c, Map<String, String> overrides) throws IOException {
        java.nio.file.Path file = Files.createTempFile("checkpoint-config", ".conf");
        try {
            Files.writeString(file, c.configText());
            return ConfigLoader.load(file, overrides).config();
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** The input size the checkpoint's run trained at. */
    public static int inputSize(Checkpoint c) {
        return ConfigFactory.parseString(c.configText()).getInt("inception.model.input-size");
    }

    /**
     * A model zip (ends in .zip; read by {@link ModelZip}, without Java deserialization) or a checkpoint
     * folder / run directory, on any Hadoop path.
     */
    public static ComputationGraph load(String path, Configuration hadoop) throws IOException {
        if (path.endsWith(".zip")) {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(hadoop);
            if (!fs.exists(p)) {
                throw new IllegalArgumentException("model file does not exist: " + path);
            }
            try (var in = fs.open(p)) {
                return ModelZip.read(in, path);
            }
        }
        return evaluationGraph(CheckpointStore.read(path, hadoop));
    }
}

package org.inceptionspark.driver.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.inceptionspark.model.ModelZoo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class ModelZipTest {
    @TempDir
    Path tmp;

    /** A class outside any allow-list whose deserialization has a visible effect: it writes a file. */
    static final class MarkerOnRead implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String marker;

        MarkerOnRead(String marker) {
            this.marker = marker;
        }

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            Files.writeString(Path.of(marker), "readObject ran");
        }
    }

    private static ComputationGraph network() {
        ComputationGraph g = ModelZoo.dl4jNetwork(new NeuralNetConfiguration.Builder().seed(7).graphBuilder()
                .addInputs("in")
                .addLayer("dense", new DenseLayer.Builder().nIn(4).nOut(3).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(3).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "dense")
                .setOutputs("out").build(), null);
        return g;
    }

    /** The zip DL4J writes for {@code g}, with a serialized {@code preprocessor} added as preprocessor.bin. */
    private static Path zipWithPreprocessor(ComputationGraph g, Path file, Object preprocessor) throws IOException {
        Path plain = file.resolveSibling("plain-" + file.getFileName());
        ModelSerializer.writeModel(g, plain.toFile(), false);
        try (var in = new java.util.zip.ZipInputStream(Files.newInputStream(plain));
             ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(file))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                out.putNextEntry(new ZipEntry(e.getName()));
                in.transferTo(out);
                out.closeEntry();
            }
            out.putNextEntry(new ZipEntry(ModelSerializer.PREPROCESSOR_BIN));
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream oos = new ObjectOutputStream(bytes)) {
                oos.writeObject(preprocessor);
            }
            out.write(bytes.toByteArray());
            out.closeEntry();
        }
        return file;
    }

    @Test
    void aSerializedObjectInTheZipIsRefusedByNameAndNeverDeserialized() throws Exception {
        Path marker = tmp.resolve("marker");
        Path zip = zipWithPreprocessor(network(), tmp.resolve("crafted.zip"), new MarkerOnRead(marker.toString()));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CheckpointModels.load(zip.toString(), new Configuration()));
        assertTrue(e.getMessage().contains(zip.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("preprocessor.bin"), e.getMessage());
        assertTrue(e.getMessage().contains(MarkerOnRead.class.getName()), e.getMessage());
        assertFalse(Files.exists(marker), "the refused object's readObject ran");

        // The same zip through DL4J's own loader does run the object's readObject: the refusal above is what stops it.
        try {
            ComputationGraph.load(zip.toFile(), false);
        } catch (RuntimeException expected) {
            // DL4J fails only after deserializing, when it casts the object
        }
        assertTrue(Files.exists(marker), "DL4J's loader should have deserialized the object");
    }

    @Test
    void aJdkClassWithAReadObjectIsRefusedToo() throws Exception {
        Path zip = zipWithPreprocessor(network(), tmp.resolve("queue.zip"), new java.util.PriorityQueue<>(java.util.List.of(1, 2)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CheckpointModels.load(zip.toString(), new Configuration()));
        assertTrue(e.getMessage().contains("java.util.PriorityQueue"), e.getMessage());
    }

    @Test
    void aPlainExportLoadsWithItsParameters() throws Exception {
        ComputationGraph g = network();
        Path zip = tmp.resolve("model.zip");
        try (OutputStream out = Files.newOutputStream(zip)) {
            ModelSerializer.writeModel(g, out, true);
        }
        ComputationGraph loaded = CheckpointModels.load(zip.toString(), new Configuration());
        assertEquals(g.getConfiguration().toJson(), loaded.getConfiguration().toJson());
        assertArrayEquals(g.params().toFloatVector(), loaded.params().toFloatVector());
    }

    @Test
    void aZipWithoutParametersOrNotAZipIsNamed() throws Exception {
        Path notZip = tmp.resolve("text.zip");
        Files.writeString(notZip, "not a zip");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CheckpointModels.load(notZip.toString(), new Configuration()));
        assertTrue(e.getMessage().contains(notZip.toString()), e.getMessage());
    }
}

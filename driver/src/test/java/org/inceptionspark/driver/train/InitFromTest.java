package org.inceptionspark.driver.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.inceptionspark.config.ConfigLoader;
import org.inceptionspark.config.InceptionConfig;
import org.inceptionspark.driver.checkpoint.Checkpoint;
import org.inceptionspark.driver.checkpoint.CheckpointStore;
import org.inceptionspark.driver.data.TestData;
import org.inceptionspark.config.ModelConfig;
import org.inceptionspark.model.ModelZoo;
import org.inceptionspark.optim.LearningRateSchedule;
import org.inceptionspark.optim.MomentumSgd;
import org.inceptionspark.optim.ParameterLayout;
import org.inceptionspark.optim.ParameterSegment;
import org.inceptionspark.train.ParameterServerState;
import org.inceptionspark.train.UpdateRule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** model.init-from: VGG D started from a trained A's tensors by name (narrow copies of both, from vgg16-imagenet.conf). */
class InitFromTest {
    /** The paper's choice: A's first four convolutions and its three fully connected layers. */
    private static final Set<String> PAPER_LAYERS = Set.of("conv1_1", "conv2_1", "conv3_1", "conv3_2", "fc6", "fc7", "output");

    private static InceptionConfig narrow(String model, int classes) {
        Map<String, String> o = new HashMap<>();
        Map.of("model.name", model, "model.width-multiplier", "0.0625", "model.min-depth", "8",
                "model.classes", String.valueOf(classes)).forEach((k, v) -> o.put("inception." + k, v));
        return ConfigLoader.load(TestData.repoRoot().resolve("conf").resolve("vgg16-imagenet.conf"), o).config();
    }

    /** A "trained" A: its own initialisation under another seed, written as a checkpoint of a finished run. */
    private static String checkpointOfA(Path dir, int classes) throws Exception {
        InceptionConfig a = narrow("vgg_a", classes);
        ComputationGraph g = ModelZoo.instantiate(ModelZoo.build(a.model(), 99));
        new CheckpointStore(dir.toUri().toString(), new Configuration(), 1).save(new Checkpoint(1000, 0, 1, 4,
                g.getConfiguration().toJson(), "inception { }", g.params().toFloatVector(), new LinkedHashMap<>(), null, null));
        return dir.toUri().toString();
    }

    /** D's driver state as a new run builds it. */
    private static ParameterServerState freshD(int classes) {
        InceptionConfig d = narrow("vgg_d", classes);
        ComputationGraph g = ModelZoo.instantiate(ModelZoo.build(d.model(), 7));
        UpdateRule rule = new UpdateRule(false, 5e-4, d.optimizer().clipMode(), 1.0, false, 0.9999, true, false);
        return new ParameterServerState(ParameterLayout.of(g), g.params().toFloatVector(), rule,
                new LearningRateSchedule(0.01, 0.1, 1000, true), () -> new MomentumSgd(ParameterLayout.of(g).length(), 0.9));
    }

    private static float[] tensor(ParameterLayout layout, float[] v, String name) {
        ParameterSegment s = layout.segments().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
        return Arrays.copyOfRange(v, (int) s.offset(), (int) s.end());
    }

    @Test
    void deeperConfigurationTakesTheNamedLayersOfATrainedShallowerOne(@TempDir Path tmp) throws Exception {
        String a = checkpointOfA(tmp.resolve("vgg-a"), 10);
        Checkpoint written = CheckpointStore.read(a, new Configuration());
        ParameterLayout aLayout = ParameterLayout.of(ModelZoo.instantiate(
                org.deeplearning4j.nn.conf.ComputationGraphConfiguration.fromJson(written.graphJson())));
        ParameterServerState d = freshD(10);
        float[] before = d.params().clone();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        new InitFrom(a, PAPER_LAYERS, new Configuration()).apply(d, null, new PrintStream(log, true, StandardCharsets.UTF_8));

        int copied = 0;
        int fresh = 0;
        for (ParameterSegment s : d.layout().segments()) {
            String layer = s.name().substring(0, s.name().indexOf('/'));
            if (PAPER_LAYERS.contains(layer)) {
                assertArrayEquals(tensor(aLayout, written.params(), s.name()), tensor(d.layout(), d.params(), s.name()), s.name());
                if (s.name().endsWith("/W")) {   // biases start at 0 in both networks
                    assertFalse(Arrays.equals(tensor(d.layout(), before, s.name()), tensor(d.layout(), d.params(), s.name())),
                            s.name());
                }
                copied++;
            } else {
                assertArrayEquals(tensor(d.layout(), before, s.name()), tensor(d.layout(), d.params(), s.name()),
                        s.name() + " keeps its fresh initialisation");
                fresh++;
            }
        }
        assertEquals(14, copied, "7 layers' weights and biases");
        assertEquals(2 * (13 - 4), fresh, "D's other 9 convolutions");
        assertEquals(0, d.step());
        String out = log.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("initialised from " + a + " (model.init-from): 14 tensors copied by name: conv1_1/b, conv1_1/W"), out);
        assertTrue(out.contains("18 tensors initialised fresh: conv1_2/b, conv1_2/W"), out);
        assertTrue(out.contains("fc6/W") && out.contains("output/b") && out.contains("conv5_3/b"), out);
    }

    @Test
    void withoutALayerListEveryTensorOfTheSameNameIsTaken(@TempDir Path tmp) throws Exception {
        String a = checkpointOfA(tmp.resolve("vgg-a"), 10);
        ParameterServerState d = freshD(10);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        new InitFrom(a, Set.of(), new Configuration()).apply(d, null, new PrintStream(log, true, StandardCharsets.UTF_8));
        String out = log.toString(StandardCharsets.UTF_8);
        // A has 8 convolutions, all named as D's, and the 3 fully connected layers
        assertTrue(out.contains("22 tensors copied by name"), out);
        assertTrue(out.contains("10 tensors initialised fresh: conv1_2/b, conv1_2/W, conv2_2/b, conv2_2/W, conv3_3/b,"
                + " conv3_3/W, conv4_3/b, conv4_3/W, conv5_3/b, conv5_3/W"), out);
    }

    @Test
    void aTensorOfAnotherShapeOrAnUnknownLayerIsNamedInTheError(@TempDir Path tmp) throws Exception {
        String a = checkpointOfA(tmp.resolve("vgg-a"), 10);
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> new InitFrom(a, PAPER_LAYERS, new Configuration()).apply(freshD(5), null, quiet));
        assertTrue(shape.getMessage().contains("inception.model.init-from = " + a + " does not fit"), shape.getMessage());
        assertTrue(shape.getMessage().contains("output/W (2560 values there, 1280 here), output/b (10 values there, 5 here)"),
                shape.getMessage());
        IllegalArgumentException layer = assertThrows(IllegalArgumentException.class,
                () -> new InitFrom(a, Set.of("conv1_1", "conv3_3"), new Configuration()).apply(freshD(10), null, quiet));
        assertTrue(layer.getMessage().contains("inception.model.init-from-layers names conv3_3, which " + a), layer.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> new InitFrom(tmp.resolve("nothing").toUri().toString(), Set.of(), new Configuration())
                        .apply(freshD(10), null, quiet));
        assertTrue(missing.getMessage().startsWith("inception.model.init-from = "), missing.getMessage());
    }
}

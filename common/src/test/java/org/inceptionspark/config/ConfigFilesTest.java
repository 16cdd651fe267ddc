package org.inceptionspark.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The configuration files shipped in conf/. */
class ConfigFilesTest {
    static Path confFile(String name) {
        String root = System.getProperty("inception.repo.root");
        assertTrue(root != null, "Surefire sets inception.repo.root");
        Path f = Path.of(root, "conf", name);
        assertTrue(Files.isRegularFile(f), f + " exists");
        return f;
    }

    @Test
    void paperSetupHasNoDepartureFromTheRecipe() {
        LoadedConfig loaded = ConfigLoader.load(confFile("inception-v3-imagenet-50x32.conf"), Map.of());
        InceptionConfig c = loaded.config();
        assertEquals(List.of(), RecipeAudit.audit(c));
        assertEquals(50, c.cluster().replicas());
        assertEquals(1600, c.cluster().globalBatch(c.cluster().replicas()));
        assertEquals("hdfs:///datasets/imagenet/packed/train", c.data().train());
        assertEquals(1000, c.checkpoint().everySteps());
        assertEquals(2000, c.eval().everySteps());
        assertEquals(ValueOrigin.Layer.FILE, loaded.origin("cluster.replicas").layer());
        // The recipe's step counts: ~800.7 steps per epoch, decay every ~1601 steps, ~80,073 steps in all.
        assertEquals(1601, org.inceptionspark.optim.LearningRateSchedule.of(c.optimizer().learningRate(),
                c.optimizer().decayFactor(), c.optimizer().epochsPerDecay(), c.optimizer().staircase(), 1_281_167,
                c.cluster().batchPerReplica(), c.cluster().replicas()).decaySteps());
        assertEquals(80_073, c.schedule().totalSteps(1_281_167, 1600));
    }

    @Test
    void localDemoLoadsWithTheReadmeSettings() {
        InceptionConfig c = ConfigLoader.load(confFile("local-demo.conf"), Map.of()).config();
        assertEquals("inception_v3", c.model().name());
        assertEquals(79, c.model().inputSize());
        assertEquals(0.25, c.model().widthMultiplier());
        assertEquals(10, c.model().classes());
        assertEquals(2, c.cluster().replicas());
        assertEquals(32, c.cluster().batchPerReplica());
        assertEquals(30, c.schedule().maxSteps());
        assertEquals(15, c.checkpoint().everySteps());
        assertEquals(15, c.eval().everySteps());
        assertEquals(500, c.eval().maxImages());
        assertEquals("local[2]", c.spark().master());
        assertEquals("data/fashion-mnist/packed/train", c.data().train());
        assertEquals("data/fashion-mnist/packed/val", c.data().validation());
    }

    @Test
    void localDemoDeparturesAreTheDeliberateOnes() {
        InceptionConfig c = ConfigLoader.load(confFile("local-demo.conf"), Map.of()).config();
        List<String> keys = RecipeAudit.audit(c).stream().map(RecipeAudit.Departure::key).toList();
        assertEquals(List.of("inception.model.input-size", "inception.model.classes", "inception.model.width-multiplier",
                "inception.cluster.replicas", "inception.schedule.max-steps"), keys);
        RecipeAudit.Departure width = RecipeAudit.audit(c).get(2);
        assertEquals("1.0", width.recipeValue(), "shown in the key's own type");
        assertEquals("0.25", width.effectiveValue());
    }
}

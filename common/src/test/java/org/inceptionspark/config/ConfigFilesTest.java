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
    void googLeNetAndVggSetupsAreAuditedAgainstTheirOwnPapers() {
        InceptionConfig g = ConfigLoader.load(confFile("googlenet-imagenet.conf"), Map.of()).config();
        assertEquals(List.of(), RecipeAudit.audit(g));
        assertTrue(RecipeAudit.recipeFor(g).title().startsWith("GoogLeNet"));
        assertEquals(0.96, g.optimizer().decayFactor());
        assertEquals(8.0, g.optimizer().epochsPerDecay());
        assertEquals(OptimizerConfig.Type.MOMENTUM, g.optimizer().type());
        assertTrue(g.movingAverage().polyak());
        assertEquals(0.3, g.model().auxLossWeight());
        assertEquals(0.6, g.model().dropoutKeep());
        assertEquals(0.08, g.augment().minArea());
        // Inception-v3's recipe would flag a dozen keys of the GoogLeNet setup.
        assertTrue(RecipeAudit.audit(g.with(Map.of("model.name", "inception_v3", "model.input-size", 299))).size() > 10);

        for (String vgg : List.of("vgg_d", "vgg_a", "vgg_b", "vgg_c", "vgg_e")) {
            InceptionConfig v = ConfigLoader.load(confFile("vgg16-imagenet.conf"), Map.of("inception.model.name", vgg)).config();
            assertEquals(vgg, v.model().name());
            assertEquals(List.of(), RecipeAudit.audit(v), vgg);
            assertTrue(RecipeAudit.recipeFor(v).title().startsWith("VGG"));
            assertEquals(256, v.cluster().globalBatch(v.cluster().replicas()));
        }
        InceptionConfig v = ConfigLoader.load(confFile("vgg16-imagenet.conf"), Map.of()).config();
        assertEquals(5e-4, v.model().weightDecay());
        assertEquals(List.of("inception.model.weight-decay"),
                RecipeAudit.audit(v.with(Map.of("model.weight-decay", 4e-5))).stream().map(RecipeAudit.Departure::key).toList());
        // A paper whose setup no key can express says how the engine departs from it, and why.
        for (String model : List.of("googlenet", "vgg_d")) {
            List<RecipeAudit.EngineDeparture> engine = RecipeAudit.recipeFor(model).engineDepartures();
            assertTrue(engine.size() >= 4, model);
            engine.forEach(d -> assertTrue(d.reason().length() > 10 && !d.here().isEmpty(), d.toString()));
        }
        assertTrue(RecipeAudit.recipeFor("googlenet").engineDepartures().get(0).paper().contains("asynchronous"));
        assertEquals(List.of(), RecipeAudit.recipeFor("inception_v3").engineDepartures());
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
        assertEquals(150, c.schedule().maxSteps());
        assertEquals(75, c.checkpoint().everySteps());
        assertEquals(75, c.eval().everySteps());
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
                "inception.model.batch-norm.decay", "inception.cluster.replicas", "inception.optimizer.clip.threshold",
                "inception.schedule.max-steps", "inception.augment.min-area", "inception.augment.color-distortion"),
                keys);
        RecipeAudit.Departure width = RecipeAudit.audit(c).get(2);
        assertEquals("1.0", width.recipeValue(), "shown in the key's own type");
        assertEquals("0.25", width.effectiveValue());
    }
}

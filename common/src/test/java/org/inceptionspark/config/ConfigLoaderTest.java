package org.inceptionspark.config;

import org.inceptionspark.config.OptimizerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {
    @TempDir
    Path tmp;

    private Path conf(String text) throws IOException {
        Path f = tmp.resolve("test.conf");
        Files.writeString(f, text);
        return f;
    }

    private static InvalidConfigException invalid(Path file, Map<String, String> overrides) {
        return assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(file, overrides));
    }

    private static ConfigError only(InvalidConfigException e) {
        assertEquals(1, e.errors().size(), e.getMessage());
        return e.errors().get(0);
    }

    @Test
    void plateauScheduleNeedsPeriodicEvaluationsAndMakesThemPartOfTheMathematics() {
        ConfigError e = only(invalid(null, Map.of("inception.optimizer.schedule", "plateau", "inception.eval.every-steps", "0")));
        assertEquals("inception.optimizer.schedule", e.key(), e.toString());
        assertTrue(e.message().contains("eval.every-steps"), e.toString());
        ConfigError typo = only(invalid(null, Map.of("inception.optimizer.schedule", "plateaux")));
        assertTrue(typo.message().contains("exponential, plateau"), typo.toString());
        InceptionConfig c = ConfigLoader.load(null, Map.of("inception.optimizer.schedule", "plateau",
                "inception.optimizer.plateau.patience", "3")).config();
        assertEquals(OptimizerConfig.Schedule.PLATEAU, c.optimizer().schedule());
        assertEquals(3, c.optimizer().plateauPatience());
        assertEquals(3, c.optimizer().plateauMaxCuts());
        assertEquals(c, c.with(Map.of()), "toMap carries the plateau keys");
        // Under the plateau schedule, evaluations decide the learning rate: their keys may no longer change freely.
        String exponential = "inception { eval { every-steps = 100 } }";
        String exponentialChanged = "inception { eval { every-steps = 200 } }";
        assertTrue(ResumeCheck.changes(exponential, exponentialChanged).isEmpty());
        String plateau = "inception { optimizer { schedule = plateau }, eval { every-steps = 100 } }";
        String plateauChanged = "inception { optimizer { schedule = plateau }, eval { every-steps = 200, max-images = 10 } }";
        assertEquals(List.of("inception.eval.every-steps", "inception.eval.max-images"),
                ResumeCheck.changes(plateau, plateauChanged).stream().map(ResumeCheck.Change::key).toList());
    }

    @Test
    void trainingScaleKeysAreBothSetAndAtLeastTheInput() {
        ConfigError half = only(invalid(null, Map.of("inception.augment.scale-max", "512")));
        assertEquals("inception.augment.scale-min", half.key(), half.toString());
        ConfigError small = only(invalid(null, Map.of("inception.augment.scale-min", "256", "inception.augment.scale-max", "512")));
        assertTrue(small.message().contains("model.input-size (299)"), small.toString());
        ConfigError reversed = only(invalid(null, Map.of("inception.model.name", "vgg_a", "inception.model.input-size", "224",
                "inception.augment.scale-min", "512", "inception.augment.scale-max", "256")));
        assertTrue(reversed.message().contains("<= augment.scale-max"), reversed.toString());
        InceptionConfig c = ConfigLoader.load(null, Map.of("inception.model.name", "vgg_a", "inception.model.input-size", "224",
                "inception.augment.scale-min", "256", "inception.augment.scale-max", "512")).config();
        assertEquals(512, c.augment().scaleMax());
        assertEquals(c, c.with(Map.of()));
    }

    @Test
    void denseScalesAreCommaSeparatedShorterSides() {
        InceptionConfig c = ConfigLoader.load(null, Map.of("inception.eval.mode", "dense",
                "inception.eval.dense-scales", "256, 384,512")).config();
        assertTrue(c.eval().dense());
        assertEquals(List.of(256, 384, 512), c.eval().denseScales());
        assertEquals(c, c.with(Map.of()), "toMap writes the scales back as they load");
        ConfigError e = only(invalid(null, Map.of("inception.eval.dense-scales", "256,big")));
        assertEquals("inception.eval.dense-scales", e.key(), e.toString());
        assertTrue(e.message().contains("'big' in \"256,big\" is not a test scale"), e.toString());
        assertEquals("inception.eval.mode", only(invalid(null, Map.of("inception.eval.mode", "sparse"))).key());
    }

    @Test
    void decodeLimitsHaveAnUpperBound() {
        ConfigError pixels = only(invalid(null, Map.of("inception.data.max-pixels", "250000001")));
        assertEquals("inception.data.max-pixels", pixels.key(), pixels.toString());
        assertTrue(pixels.message().contains("[1, 250000000]"), pixels.toString());
        ConfigError side = only(invalid(null, Map.of("inception.data.max-side", "70000")));
        assertEquals("inception.data.max-side", side.key(), side.toString());
        assertEquals(250_000_000L, ConfigLoader.load(null, Map.of("inception.data.max-pixels", "250000000")).config().data()
                .decodeLimits().maxPixels());
    }

    @Test
    void stepTimeoutIsADuration() {
        assertEquals(java.time.Duration.ofMinutes(30), ConfigLoader.defaults().cluster().stepTimeout());
        InceptionConfig c = ConfigLoader.load(null, Map.of("inception.cluster.step-timeout", "90s")).config();
        assertEquals(java.time.Duration.ofSeconds(90), c.cluster().stepTimeout());
        assertEquals("90s", ConfigValueFormat.format(c.toMap().get("inception.cluster.step-timeout")));
        assertEquals(c, c.with("cluster.step-timeout", c.cluster().stepTimeout()), "loads back from its map");
        ConfigError bad = only(invalid(null, Map.of("inception.cluster.step-timeout", "soon")));
        assertEquals("inception.cluster.step-timeout", bad.key(), bad.toString());
        assertTrue(bad.message().contains("a duration such as 30m"), bad.toString());
        ConfigError negative = only(invalid(null, Map.of("inception.cluster.step-timeout", "-5s")));
        assertTrue(negative.message().contains("must not be negative"), negative.toString());
    }

    @Test
    void defaultsAreReferenceConf() {
        InceptionConfig d = ConfigLoader.defaults();
        assertEquals("inception_v3", d.model().name());
        assertEquals(299, d.model().inputSize());
        assertEquals(0.9997, d.model().bnDecay());
        assertFalse(d.model().bnScale());
        assertEquals(0.001, d.model().auxFcInitStddev());
        assertEquals(32, d.cluster().batchPerReplica());
        assertEquals(ClusterConfig.Combine.MEAN, d.cluster().combine());
        assertEquals(OptimizerConfig.Type.RMSPROP, d.optimizer().type());
        assertEquals(OptimizerConfig.ClipMode.GLOBAL_NORM, d.optimizer().clipMode());
        assertEquals(1.0, d.optimizer().rmsInitialMeanSquare());
        assertEquals(0.9999, d.movingAverage().decay());
        assertEquals(100.0, d.schedule().epochs());
    }

    @Test
    void fileOverridesReferenceAndDashDOverridesFile() throws IOException {
        Path f = conf("inception.cluster { replicas = 8, batch-per-replica = 16 }\ninception.optimizer.learning-rate = 0.1\n");
        LoadedConfig loaded = ConfigLoader.load(f, Map.of("inception.cluster.batch-per-replica", "64"));
        InceptionConfig c = loaded.config();
        assertEquals(8, c.cluster().replicas(), "file beats reference");
        assertEquals(64, c.cluster().batchPerReplica(), "override beats file");
        assertEquals(0.1, c.optimizer().learningRate());
        assertEquals(0.94, c.optimizer().decayFactor(), "untouched keys keep the reference value");
        assertEquals(64, loaded.raw().getInt("inception.cluster.batch-per-replica"));
    }

    @Test
    void everyLeafKeyRecordsWhereItsValueCameFrom() throws IOException {
        Path f = conf("inception {\n  cluster {\n    replicas = 8\n  }\n}\ninception.model.classes = 10\n");
        LoadedConfig loaded = ConfigLoader.load(f, Map.of("inception.cluster.batch-per-replica", "64"));

        assertEquals(ConfigLoader.knownKeys(), loaded.keys());
        assertEquals(new ValueOrigin(ValueOrigin.Layer.FILE, f + ":3"), loaded.origin("cluster.replicas"));
        assertEquals(new ValueOrigin(ValueOrigin.Layer.FILE, f + ":6"), loaded.origin("inception.model.classes"));
        assertEquals(new ValueOrigin(ValueOrigin.Layer.OVERRIDE, "-Dinception.cluster.batch-per-replica=64"),
                loaded.origin("cluster.batch-per-replica"));
        ValueOrigin lr = loaded.origin("optimizer.learning-rate");
        assertEquals(ValueOrigin.Layer.REFERENCE, lr.layer());
        assertTrue(lr.description().matches("reference\\.conf:\\d+"), lr.description());
        assertThrows(IllegalArgumentException.class, () -> loaded.origin("cluster.nope"));
    }

    @Test
    void misspeltKeyInOverrideIsUnknownWithNearestValidKey() {
        ConfigError e = only(invalid(null, Map.of("inception.cluster.batch-per-replca", "32")));
        assertEquals(ConfigError.Kind.UNKNOWN_KEY, e.kind());
        assertEquals("inception.cluster.batch-per-replca", e.key());
        assertTrue(e.message().contains("did you mean inception.cluster.batch-per-replica?"), e.message());
        assertTrue(e.message().contains("(from -Dinception.cluster.batch-per-replca=32)"), e.message());
    }

    @Test
    void misspeltKeyInFileIsUnknownWithLineAndNearestValidKey() throws IOException {
        Path f = conf("inception {\n  optimizer.rmsprop.epsilom = 1.0\n}\n");
        ConfigError e = only(invalid(f, Map.of()));
        assertEquals(ConfigError.Kind.UNKNOWN_KEY, e.kind());
        assertTrue(e.message().contains(f + ":2"), e.message());
        assertTrue(e.message().contains("did you mean inception.optimizer.rmsprop.epsilon?"), e.message());
    }

    @Test
    void keyOutsideTheInceptionTreeIsUnknown() throws IOException {
        ConfigError e = only(invalid(conf("cluster.replicas = 4\n"), Map.of()));
        assertEquals(ConfigError.Kind.UNKNOWN_KEY, e.kind());
        assertTrue(e.message().contains("did you mean inception.cluster.replicas?"), e.message());
    }

    @Test
    void negativeBatchSizeNamesKeyValueAndAllowedRange() {
        ConfigError e = only(invalid(null, Map.of("inception.cluster.batch-per-replica", "-1")));
        assertEquals(ConfigError.Kind.OUT_OF_RANGE, e.kind());
        assertEquals("inception.cluster.batch-per-replica", e.key());
        assertTrue(e.message().startsWith("inception.cluster.batch-per-replica = -1 (from -Dinception.cluster.batch-per-replica=-1)"),
                e.message());
        assertTrue(e.message().endsWith("must be >= 1"), e.message());
    }

    @Test
    void replicasPerTaskMustBeAPowerOfTwo() {
        ConfigError e = only(invalid(null, Map.of("inception.cluster.replicas-per-task", "3")));
        assertEquals(ConfigError.Kind.OUT_OF_RANGE, e.kind());
        assertEquals("inception.cluster.replicas-per-task", e.key());
        assertTrue(e.message().contains("power of two"), e.message());
    }

    @Test
    void severalStepsPerJobNeedTheDirectExchange() {
        ConfigError e = only(invalid(null, Map.of("inception.cluster.steps-per-job", "8")));
        assertEquals("inception.cluster.steps-per-job", e.key());
        assertTrue(e.message().contains("cluster.exchange = direct"), e.message());
        ConfigError zero = only(invalid(null, Map.of("inception.cluster.steps-per-job", "0", "inception.cluster.exchange",
                "direct")));
        assertEquals("inception.cluster.steps-per-job", zero.key());
        assertEquals(8, ConfigLoader.load(null, Map.of("inception.cluster.steps-per-job", "8", "inception.cluster.exchange",
                "direct")).config().cluster().stepsPerJob());
    }

    @Test
    void bfloat16NeedsTheDirectExchangeAndIsPartOfTheMathematics() {
        ConfigError e = only(invalid(null, Map.of("inception.cluster.exchange-precision", "bfloat16")));
        assertEquals("inception.cluster.exchange-precision", e.key());
        assertTrue(e.message().contains("cluster.exchange = direct"), e.message());
        ConfigError typo = only(invalid(null, Map.of("inception.cluster.exchange-precision", "fp16", "inception.cluster.exchange",
                "direct")));
        assertTrue(typo.message().contains("float32, bfloat16"), typo.message());
        assertEquals(ClusterConfig.Precision.BFLOAT16, ConfigLoader.load(null, Map.of("inception.cluster.exchange-precision",
                "bfloat16", "inception.cluster.exchange", "direct")).config().cluster().precision());
        assertEquals(ClusterConfig.Precision.FLOAT32, ConfigLoader.load(null, Map.of()).config().cluster().precision());
        // a resume may move a run between the exchanges (the same bits), not between float widths
        assertEquals(List.of("inception.cluster.exchange-precision"), ResumeCheck.changes(
                "inception { cluster { exchange = direct } }",
                "inception { cluster { exchange = direct, exchange-precision = bfloat16 } }").stream()
                .map(ResumeCheck.Change::key).toList());
        assertTrue(ResumeCheck.changes("inception { cluster { exchange = spark } }",
                "inception { cluster { exchange = direct, steps-per-job = 4 } }").isEmpty());
    }

    @Test
    void wrongTypeNamesKeyValueAndExpectedType() throws IOException {
        ConfigError e = only(invalid(conf("inception.model.classes = \"many\"\n"), Map.of()));
        assertEquals(ConfigError.Kind.WRONG_TYPE, e.kind());
        assertEquals("inception.model.classes", e.key());
        assertTrue(e.message().contains("\"many\""), e.message());
        assertTrue(e.message().contains("expected an integer"), e.message());
    }

    @Test
    void fractionalValueForIntegerKeyIsWrongTypeNotTruncated() {
        ConfigError e = only(invalid(null, Map.of("inception.cluster.batch-per-replica", "32.5")));
        assertEquals(ConfigError.Kind.WRONG_TYPE, e.kind());
        assertTrue(e.message().contains("expected an integer"), e.message());
    }

    @Test
    void unknownEnumValueListsTheAllowedOnes() {
        ConfigError e = only(invalid(null, Map.of("inception.optimizer.clip.mode", "global")));
        assertEquals(ConfigError.Kind.OUT_OF_RANGE, e.kind());
        assertEquals("inception.optimizer.clip.mode", e.key());
        assertTrue(e.message().contains("\"global\""), e.message());
        assertTrue(e.message().contains("must be one of none, global-norm, per-tensor"), e.message());
    }

    @Test
    void enumsAcceptEitherSpelling() {
        InceptionConfig c = ConfigLoader.load(null, Map.of("inception.optimizer.clip.mode", "PER_TENSOR",
                "inception.cluster.combine", "sum", "inception.optimizer.type", "Momentum")).config();
        assertEquals(OptimizerConfig.ClipMode.PER_TENSOR, c.optimizer().clipMode());
        assertEquals(ClusterConfig.Combine.SUM, c.cluster().combine());
        assertEquals(OptimizerConfig.Type.MOMENTUM, c.optimizer().type());
    }

    @Test
    void everyErrorIsReportedAtOnce() {
        InvalidConfigException e = invalid(null, Map.of(
                "inception.cluster.batch-per-replca", "32",
                "inception.cluster.replicas", "-3",
                "inception.model.width-multiplier", "1.5",
                "inception.moving-average.decay", "1.0",
                "inception.schedule.epochs", "-1",
                "inception.model.aux-head", "maybe"));
        assertEquals(6, e.errors().size(), e.getMessage());
        for (String key : List.of("batch-per-replca", "cluster.replicas", "width-multiplier = 1.5",
                "moving-average.decay = 1.0", "schedule.epochs = -1", "aux-head = \"maybe\"")) {
            assertTrue(e.getMessage().contains(key), key + " missing from\n" + e.getMessage());
        }
        assertTrue(e.getMessage().startsWith("invalid configuration (6 errors):"), e.getMessage());
    }

    @Test
    void inceptionV3TakesOnlyItsThreeInputSizesOtherNetworksAnyFromThirtyTwo() {
        ConfigError e = only(invalid(null, Map.of("inception.model.input-size", "224")));
        assertEquals("inception.model.input-size", e.key());
        assertTrue(e.message().contains("299, 151 or 79"), e.message());
        assertEquals(151, ConfigLoader.defaults().with("model.input-size", 151).model().inputSize());
        InceptionConfig vgg = ConfigLoader.defaults().with(Map.of("model.name", "vgg_d", "model.input-size", 224));
        assertTrue(vgg.model().isVgg());
        assertThrows(InvalidConfigException.class, () -> ConfigLoader.defaults().with(Map.of("model.name", "googlenet",
                "model.input-size", 16)));
        ConfigError name = only(invalid(null, Map.of("inception.model.name", "resnet50")));
        assertTrue(name.message().contains("must be one of inception_v3, googlenet, vgg_a"), name.message());
    }

    @Test
    void minAreaAboveMaxAreaIsRejected() {
        ConfigError e = only(invalid(null, Map.of("inception.augment.min-area", "0.9", "inception.augment.max-area", "0.5")));
        assertEquals("inception.augment.min-area", e.key());
    }

    @Test
    void aSectionSetToAPlainValueIsReportedOnceNotPerMissingChild() throws IOException {
        ConfigError e = only(invalid(conf("inception.model.batch-norm = 0.9\n"), Map.of()));
        assertEquals(ConfigError.Kind.WRONG_TYPE, e.kind());
        assertEquals("inception.model.batch-norm", e.key());
        assertTrue(e.message().contains("decay, epsilon, scale"), e.message());
    }

    @Test
    void missingOrUnparsableFileIsReported() throws IOException {
        ConfigError missing = only(invalid(tmp.resolve("absent.conf"), Map.of()));
        assertEquals(ConfigError.Kind.UNREADABLE, missing.kind());
        assertTrue(missing.message().contains("absent.conf: no such file"), missing.message());
        ConfigError broken = only(invalid(conf("inception { cluster {\n"), Map.of()));
        assertEquals(ConfigError.Kind.UNREADABLE, broken.kind());
    }

    @Test
    void fileMayUseSubstitutions() throws IOException {
        Path f = conf("inception.schedule.max-steps = ${inception.checkpoint.every-steps}\n");
        assertEquals(1000, ConfigLoader.load(f, Map.of()).config().schedule().maxSteps());
    }

    @Test
    void withRevalidatesAndLeavesTheOriginalUntouched() {
        InceptionConfig d = ConfigLoader.defaults();
        InceptionConfig c = d.with("inception.cluster.replicas", 4).with("cluster.combine", ClusterConfig.Combine.SUM);
        assertEquals(4, c.cluster().replicas());
        assertEquals(ClusterConfig.Combine.SUM, c.cluster().combine());
        assertEquals(0, d.cluster().replicas());
        assertEquals(c, c.with(Map.of()));
        assertThrows(InvalidConfigException.class, () -> d.with("cluster.batch-per-replica", 0));
        InvalidConfigException unknown = assertThrows(InvalidConfigException.class, () -> d.with("cluster.replica", 4));
        assertEquals(ConfigError.Kind.UNKNOWN_KEY, only(unknown).kind());
    }

    @Test
    void toMapCoversExactlyTheReferenceKeysAndLoadsBackEqual() {
        InceptionConfig c = ConfigLoader.defaults().with(Map.of("optimizer.clip.mode", "per-tensor", "run.seed", 42L,
                "data.train", "hdfs:///x/train"));
        assertEquals(ConfigLoader.knownKeys(), List.copyOf(c.toMap().keySet()));
        assertEquals(c, ConfigLoader.fromValues(c.toMap()));
    }

    @Test
    void configSurvivesJavaSerialization() throws Exception {
        InceptionConfig c = ConfigLoader.defaults().with("cluster.replicas", 50);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(c);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(c, in.readObject());
        }
    }
}

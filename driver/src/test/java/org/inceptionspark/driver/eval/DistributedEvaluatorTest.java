package org.inceptionspark.driver.eval;

import org.inceptionspark.config.ConfigLoader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.inceptionspark.driver.SparkSettings;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.inceptionspark.image.CropScheme;
import org.inceptionspark.image.ImageDecoder;
import org.inceptionspark.image.Preprocessor;
import org.inceptionspark.config.AugmentConfig;
import org.inceptionspark.image.RgbImage;
import org.inceptionspark.driver.CapturedStdout;
import org.inceptionspark.driver.commands.EvalCommand;
import org.inceptionspark.driver.commands.PackCommand;
import org.inceptionspark.model.ModelZoo;
import org.inceptionspark.worker.data.PackedDataset;
import org.inceptionspark.worker.data.ReplicaBatchLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Evaluation on Spark local[2] against a driver-side recomputation, with the committed real images. */
class DistributedEvaluatorTest {
    private static final int SIZE = 32;
    private static String packed;
    private static ComputationGraph model;

    @BeforeAll
    static void packAndBuild() throws Exception {
        String root = System.getProperty("inception.repo.root", Paths.get("").toAbsolutePath().getParent().toString());
        File dir = Files.createTempDirectory("packed").toFile();
        packed = new File(dir, "fm").toURI().toString();
        int rc = new PackCommand(new PrintStream(new ByteArrayOutputStream())).run(new String[]{
                "--images", root + "/testdata/fashion-mnist-20", "--out", packed, "--shards", "2", "--master", "local[2]"});
        assertEquals(0, rc);
        var conf = new NeuralNetConfiguration.Builder().seed(3).graphBuilder()
                .addInputs("in")
                .addLayer("conv", new ConvolutionLayer.Builder(5, 5).stride(2, 2).nOut(8).activation(Activation.RELU).build(), "in")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "conv")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out")
                .setInputTypes(InputType.convolutional(SIZE, SIZE, 3))
                .build();
        model = ModelZoo.dl4jNetwork(conf, null);
    }

    @AfterAll
    static void cleanUp() {
        ReplicaBatchLoader.clearCache();
    }

    @Test
    void executorsAgreeWithADriverSideRecomputationAndEnsemblesAverage() throws Exception {
        long[] expectedTop1 = new long[10];
        try (PackedDataset data = PackedDataset.open(packed, new Configuration())) {
            Preprocessor pre = new Preprocessor(ConfigLoader.defaults().augment());
            for (long i = 0; i < data.numImages(); i++) {
                var rec = data.read(i);
                RgbImage img = ImageDecoder.decode(rec.encoded());
                float[] x = new float[3 * SIZE * SIZE];
                pre.eval(img, SIZE, x, 0);
                INDArray p = model.output(false, Nd4j.create(x, new long[]{1, 3, SIZE, SIZE}, 'c'))[0];
                if (p.argMax(1).getInt(0) == rec.label()) {
                    expectedTop1[rec.label()]++;
                }
            }
        }
        try (JavaSparkContext sc = new JavaSparkContext(SparkSettings.apply(
                new SparkConf().setMaster("local[2]").setAppName("eval-test")))) {
            DistributedEvaluator ev = new DistributedEvaluator(sc);
            EvalReport one = ev.evaluate(List.of(model), packed, CropScheme.ONE, SIZE, 0.875, 0);
            assertEquals(200, one.images());
            assertEquals(0, one.skipped());
            long[] got = new long[10];
            for (int c = 0; c < 10; c++) {
                got[c] = Math.round(one.perClassAccuracy()[c] * one.perClassImages()[c]);
            }
            assertArrayEquals(expectedTop1, got);
            assertTrue(one.top5Error() <= one.top1Error());

            EvalReport ensemble = ev.evaluate(List.of(model, model.clone()), packed, CropScheme.ONE, SIZE, 0.875, 0);
            assertEquals(one.top1Error(), ensemble.top1Error(), 1e-12);
            assertEquals(one.top5Error(), ensemble.top5Error(), 1e-12);

            ComputationGraph diverged = model.clone();
            diverged.setParams(diverged.params().assign(Float.NaN));
            EvalReport nan = ev.evaluate(List.of(diverged), packed, CropScheme.ONE, SIZE, 0.875, 0);
            assertEquals(1.0, nan.top1Error(), 0.0, "a NaN model gets every image wrong");
            assertEquals(1.0, nan.top5Error(), 0.0);
            ComputationGraph constant = model.clone();
            constant.setParams(constant.params().assign(0));
            EvalReport flat = ev.evaluate(List.of(constant), packed, CropScheme.ONE, SIZE, 0.875, 0);
            assertTrue(flat.top1Error() >= 0.9, "constant outputs: at least 1 - 1/K, got " + flat.top1Error());

            EvalReport twelve = ev.evaluate(List.of(model), packed, CropScheme.TWELVE, SIZE, 0.875, 50);
            assertEquals(50, twelve.images());
            assertEquals(12, twelve.crops());

            // no network survives its evaluation: ten more leave nothing behind in this (executor) JVM
            for (int i = 0; i < 10; i++) {
                ev.evaluate(List.of(model, model.clone()), packed, CropScheme.ONE, SIZE, 0.875, 20);
                assertEquals(0, org.inceptionspark.worker.eval.ModelSnapshot.restoredNetworks(), "after evaluation " + i);
            }
        }
    }

    @Test
    void evalCommandRunsTwelveCropsFromAModelZip() throws Exception {
        File zip = Files.createTempFile("model", ".zip").toFile();
        model.save(zip, false);
        CapturedStdout c = CapturedStdout.of(() -> new EvalCommand().run(new String[]{"--model", zip.getAbsolutePath(),
                "--data", packed, "--crops", "12", "--input-size", String.valueOf(SIZE), "--master", "local[2]"}));
        String out = c.out();
        assertEquals(0, c.rc(), out);
        assertTrue(out.contains("200 images (0 skipped), 12 crop(s) per image"), out);
        assertTrue(out.contains("RESULT top1_error="), out);
    }
}

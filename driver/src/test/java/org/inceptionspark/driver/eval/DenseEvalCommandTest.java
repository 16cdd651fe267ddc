package org.inceptionspark.driver.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.inceptionspark.image.ImageDecoder;
import org.inceptionspark.image.Preprocessor;
import org.inceptionspark.image.RgbImage;
import org.inceptionspark.config.ConfigLoader;
import org.inceptionspark.config.InceptionConfig;
import org.inceptionspark.driver.CapturedStdout;
import org.inceptionspark.driver.checkpoint.Checkpoint;
import org.inceptionspark.driver.checkpoint.CheckpointStore;
import org.inceptionspark.driver.commands.EvalCommand;
import org.inceptionspark.driver.data.TestData;
import org.inceptionspark.model.DenseEvaluation;
import org.inceptionspark.config.ModelConfig;
import org.inceptionspark.model.ModelZoo;
import org.inceptionspark.worker.data.PackedDataset;
import org.inceptionspark.worker.data.ReplicaBatchLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** {@code eval} with {@code eval.mode = dense} on a narrow VGG-A checkpoint, over real images on Spark local mode. */
class DenseEvalCommandTest {
    private static final int IMAGES = 40;
    private static final String MODEL = "inception { model { name = vgg_a, input-size = 224, width-multiplier = 0.0625,"
            + " min-depth = 8, classes = 10 }, eval { batch-norm-statistics = moving } }";

    @TempDir
    static Path tmp;
    static String packed;
    static String checkpoint;
    static ComputationGraph vgg;
    static ModelConfig spec;

    @BeforeAll
    static void packAndWrite() throws Exception {
        packed = TestData.packFashionSubset(tmp.resolve("packed"), 2);
        InceptionConfig c = ConfigLoader.load(null, Map.of("inception.model.name", "vgg_a", "inception.model.input-size", "224",
                "inception.model.width-multiplier", "0.0625", "inception.model.min-depth", "8", "inception.model.classes", "10"))
                .config();
        spec = c.model();
        vgg = ModelZoo.instantiate(ModelZoo.build(spec, 11));
        fitClassifier();
        checkpoint = tmp.resolve("vgg-a").toUri().toString();
        new CheckpointStore(checkpoint, new Configuration(), 1).save(new Checkpoint(100, 0, 1, 2, vgg.getConfiguration().toJson(),
                MODEL, vgg.params().toFloatVector(), new LinkedHashMap<>(), null, null));
    }

    /**
     * A freshly initialised VGG scores every image as the same class; a nearest-centroid classifier on
     * its fc7 features (the class means of the evaluated images) makes the predictions differ by image,
     * so that equal error rates below mean equal predictions.
     */
    private static void fitClassifier() throws Exception {
        int width = (int) vgg.getLayer("fc7").getParam("b").length();
        double[][] sums = new double[10][width];
        int[] counts = new int[10];
        double[] mean = new double[width];
        try (PackedDataset data = PackedDataset.open(packed, new Configuration())) {
            for (long i = 0; i < IMAGES; i++) {
                var rec = data.read(i);
                float[] x = new float[3 * 224 * 224];
                Preprocessor.rescale(ImageDecoder.decode(rec.encoded()), 224, 224, x, 0);
                float[] f = vgg.feedForward(Nd4j.create(x, new long[]{1, 3, 224, 224}, 'c'), false).get("fc7")
                        .reshape(-1).toFloatVector();
                counts[rec.label()]++;
                for (int j = 0; j < width; j++) {
                    sums[rec.label()][j] += f[j];
                    mean[j] += f[j] / IMAGES;
                }
            }
        }
        float[][] w = new float[width][10];
        for (int k = 0; k < 10; k++) {
            for (int j = 0; j < width; j++) {
                w[j][k] = counts[k] == 0 ? 0f : (float) (sums[k][j] / counts[k] - mean[j]);
            }
        }
        vgg.getLayer("output").setParam("W", Nd4j.create(w));
        vgg.getLayer("output").setParam("b", Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 10));
    }

    @AfterAll
    static void cleanUp() {
        ReplicaBatchLoader.clearCache();
    }

    private static String eval(String... more) throws Exception {
        List<String> argv = new java.util.ArrayList<>(List.of("--checkpoint", checkpoint, "--data", packed,
                "--max-images", String.valueOf(IMAGES), "--master", "local[2]"));
        argv.addAll(List.of(more));
        CapturedStdout c = CapturedStdout.of(() -> new EvalCommand().run(argv.toArray(String[]::new)));
        assertEquals(0, c.rc(), c.out());
        return c.out();
    }

    private static double top1(String out) {
        Matcher m = Pattern.compile("RESULT top1_error=([0-9.]+)").matcher(out);
        assertTrue(m.find(), out);
        return Double.parseDouble(m.group(1));
    }

    /** The per-class lines of a report. */
    private static List<String> perClass(String out) {
        return out.lines().filter(l -> l.matches("\\s+\\d+\\s+\\S.*%")).toList();
    }

    @Test
    void denseAtTheTrainingSizeScoresAsThePlainNetworkOnTheWholeImage() throws Exception {
        // Fashion-MNIST images are square: Q = 224 is the whole image at 224x224, the plain network's
        // input with a central fraction of 1; fc6 as a 7x7 convolution over a 7x7 map is fc6.
        String dense = eval("-Deval.mode=dense", "-Deval.dense-scales=224", "-Deval.dense-flip=false");
        assertTrue(dense.contains("eval: " + IMAGES + " images (0 skipped), dense at Q = 224, 1 model(s)"), dense);
        String plain = eval("--crops", "1", "-Daugment.eval-central-fraction=1.0");
        assertTrue(plain.contains("1 crop(s) per image"), plain);
        assertEquals(top1(plain), top1(dense), 0.0, plain + dense);
        assertEquals(perClass(plain), perClass(dense));
    }

    @Test
    void multiScaleDenseWithFlipEqualsTheDriversOwnScores() throws Exception {
        String out = eval("-Deval.mode=dense", "-Deval.dense-scales=224,256", "-Deval.dense-flip=true");
        assertTrue(out.contains("dense at Q = 224, 256 with the mirror image"), out);
        DenseEvaluation dense = DenseEvaluation.of(vgg, spec);
        int right = 0;
        Set<Integer> predicted = new TreeSet<>();
        try (PackedDataset data = PackedDataset.open(packed, new Configuration())) {
            for (long i = 0; i < IMAGES; i++) {
                var rec = data.read(i);
                RgbImage img = ImageDecoder.decode(rec.encoded());
                INDArray sum = null;
                for (int q : List.of(224, 256)) {
                    int side = q;   // square images
                    float[] x = new float[3 * side * side];
                    Preprocessor.rescale(img, side, side, x, 0);
                    INDArray s = dense.scores(Nd4j.create(x, new long[]{1, 3, side, side}, 'c'), true);
                    sum = sum == null ? s : sum.add(s);
                }
                int p = sum.argMax(1).getInt(0);
                predicted.add(p);
                right += p == rec.label() ? 1 : 0;
            }
        }
        assertTrue(predicted.size() >= 2, "the network tells images apart: " + predicted);
        assertEquals(1 - right / (double) IMAGES, top1(out), 1e-4, out);
    }

    @Test
    void aTestScaleBelowTheInputSizeIsRefused() throws Exception {
        CapturedStdout c = CapturedStdout.of(() -> org.inceptionspark.driver.Main.run("eval", new EvalCommand(),
                new String[]{"--checkpoint", checkpoint, "--data", packed, "--master", "local[2]", "-Deval.mode=dense",
                        "-Deval.dense-scales=200"}, System.out));
        assertEquals(2, c.rc(), c.out());
        assertTrue(c.out().contains("eval: inception.eval.dense-scales: Q = 200 is below"), c.out());
    }
}

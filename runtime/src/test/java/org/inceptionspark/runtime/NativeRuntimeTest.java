package org.inceptionspark.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.inceptionspark.testing.RandomBatch;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The oneDNN path is really on in test JVMs (conf/jvm.properties) and computes the same gradients
 * as DL4J's built-in path, layer by layer, on a small network with every helper kind Inception-v3
 * uses (convolution, batch norm, max and average pooling).
 */
class NativeRuntimeTest {
    private static final int SIZE = 17;
    private static final int BATCH = 4;
    private static final int CLASSES = 5;

    @Test
    void helpersAreOnAndOneDnnIsLoaded() {
        NativeRuntime.configure();
        assertTrue(NativeRuntime.helpersEnabled(), "helpers switched off: " + NativeRuntime.describe());
        assertTrue(NativeRuntime.oneDnnAvailable(),
                "libnd4j without oneDNN (or the Nd4jCpu$Environment shim broken): " + NativeRuntime.describe());
        ComputationGraph g = build(true);
        Map<String, Integer> helpers = NativeRuntime.helperCounts(g);
        assertEquals(2, helpers.getOrDefault("MKLDNNConvHelper", 0), helpers.toString());
        assertEquals(2, helpers.getOrDefault("MKLDNNBatchNormHelper", 0), helpers.toString());
        assertEquals(2, helpers.getOrDefault("MKLDNNSubsamplingHelper", 0), helpers.toString());
    }

    @Test
    void testJvmsAdviseHugePagesForNativeMemory() {
        assertTrue(NativeRuntime.mallocHugePages(), "Surefire must start test JVMs with GLIBC_TUNABLES="
                + NativeRuntime.MALLOC_HUGE_PAGES + " (conf/jvm.properties): " + NativeRuntime.describe());
        assertTrue(NativeRuntime.describe().contains("malloc-hugepages=on"), NativeRuntime.describe());
        assertTrue(NativeRuntime.tunablesAskHugePages("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2"));
        assertTrue(!NativeRuntime.tunablesAskHugePages("glibc.malloc.hugetlb=0"));
        assertTrue(!NativeRuntime.tunablesAskHugePages("glibc.malloc.hugetlb=10"));
        assertTrue(!NativeRuntime.tunablesAskHugePages(null));
    }

    @Test
    void testJvmsRunOnJemallocWhereItIsInstalled() throws Exception {
        assertEquals(NativeRuntime.JEMALLOC, System.getenv(NativeRuntime.LD_PRELOAD),
                "Surefire's environment (conf/jvm.properties: native.malloc.preload)");
        assertEquals(NativeRuntime.JEMALLOC_CONF, System.getenv(NativeRuntime.MALLOC_CONF),
                "Surefire's environment (conf/jvm.properties: native.malloc.conf)");
        assertEquals(jemallocInstalled() ? "jemalloc" : "glibc", NativeRuntime.mallocImplementation(),
                NativeRuntime.describe());
        assertTrue(NativeRuntime.describe().contains("malloc=" + NativeRuntime.mallocImplementation()));
        Map<String, String> executors = NativeRuntime.executorEnvironment();
        assertEquals(NativeRuntime.JEMALLOC, executors.get(NativeRuntime.LD_PRELOAD));
        assertEquals(NativeRuntime.JEMALLOC_CONF, executors.get(NativeRuntime.MALLOC_CONF));
        assertEquals(NativeRuntime.MALLOC_HUGE_PAGES, executors.get(NativeRuntime.GLIBC_TUNABLES));
    }

    /** What the dynamic loader can find, asked the way bin/inception-spark asks. */
    static boolean jemallocInstalled() throws Exception {
        Process p = new ProcessBuilder("/sbin/ldconfig", "-p").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        p.waitFor();
        return out.contains(NativeRuntime.JEMALLOC);
    }

    @Test
    void oneDnnGradientsMatchBuiltInPathPerLayer() {
        ComputationGraph builtIn = build(false);
        ComputationGraph oneDnn = build(true);
        assertTrue(NativeRuntime.helperCounts(builtIn).isEmpty());
        assertTrue(NativeRuntime.helperCounts(oneDnn).size() == 3, NativeRuntime.helperCounts(oneDnn).toString());
        oneDnn.setParams(builtIn.params().dup());

        INDArray x = RandomBatch.images(11, BATCH, 3, SIZE);
        INDArray y = RandomBatch.oneHot(12, BATCH, CLASSES);
        Gradient a = RandomBatch.gradient(builtIn, x, y);
        Gradient b = RandomBatch.gradient(oneDnn, x, y);
        assertEquals(a.gradientForVariable().keySet(), b.gradientForVariable().keySet());
        for (String key : a.gradientForVariable().keySet()) {
            INDArray ga = a.getGradientFor(key);
            INDArray gb = b.getGradientFor(key);
            double scale = Math.max(1e-3, ga.amaxNumber().doubleValue());
            double diff = ga.sub(gb).amaxNumber().doubleValue() / scale;
            System.out.printf("%-14s max|oneDNN - built-in| / max|g| = %.2e%n", key, diff);
            assertTrue(diff < 1e-4, key + ": relative difference " + diff);
        }
        assertEquals(builtIn.score(), oneDnn.score(), 1e-5);
    }

    @Test
    void oneDnnGradientsAreBitReproducible() {
        ComputationGraph first = build(true);
        ComputationGraph second = build(true);
        second.setParams(first.params().dup());
        INDArray x = RandomBatch.images(21, BATCH, 3, SIZE);
        INDArray y = RandomBatch.oneHot(22, BATCH, CLASSES);
        float[] a = flat(first, x, y);
        float[] b = flat(second, x, y);
        float[] again = flat(first, x, y);
        assertArrayEquals(a, b);
        assertArrayEquals(a, again);
    }

    private static float[] flat(ComputationGraph g, INDArray x, INDArray y) {
        RandomBatch.gradient(g, x, y);
        return g.getFlattenedGradients().toFloatVector();
    }

    /** Builds with the helpers on or off: DL4J reads the switch when each layer object is created. */
    private static ComputationGraph build(boolean helpers) {
        String before = System.getProperty(NativeRuntime.HELPERS_DISABLE);
        System.setProperty(NativeRuntime.HELPERS_DISABLE, Boolean.toString(!helpers));
        try {
            ComputationGraph g = new ComputationGraph(config());
            g.init();
            return g;
        } finally {
            if (before == null) {
                System.clearProperty(NativeRuntime.HELPERS_DISABLE);
            } else {
                System.setProperty(NativeRuntime.HELPERS_DISABLE, before);
            }
        }
    }

    private static ComputationGraphConfiguration config() {
        return new NeuralNetConfiguration.Builder()
                .seed(5)
                .dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(SIZE, SIZE, 3))
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(8).hasBias(false)
                        .convolutionMode(ConvolutionMode.Truncate).activation(Activation.IDENTITY).build(), "in")
                .addLayer("bn1", new BatchNormalization.Builder().decay(0.9).eps(1e-3).build(), "c1")
                .addLayer("r1", new ActivationLayer(Activation.RELU), "bn1")
                .addLayer("mp", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(3, 3).stride(1, 1)
                        .convolutionMode(ConvolutionMode.Same).build(), "r1")
                .addLayer("c2", new ConvolutionLayer.Builder(1, 7).nOut(6).hasBias(false)
                        .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).build(), "mp")
                .addLayer("bn2", new BatchNormalization.Builder().decay(0.9).eps(1e-3).build(), "c2")
                .addLayer("r2", new ActivationLayer(Activation.RELU), "bn2")
                .addLayer("ap", new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(3, 3).stride(2, 2)
                        .convolutionMode(ConvolutionMode.Truncate).build(), "r2")
                .addLayer("gp", new GlobalPoolingLayer(PoolingType.AVG), "ap")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build(), "gp")
                .setOutputs("out")
                .build();
    }

}

package org.inceptionspark.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.inceptionspark.testing.RandomBatch;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * {@link LinearConvolution} + {@link BatchNormRelu} (two layers per convolution unit) against
 * DL4J's own convolution, batch norm and activation layers (three): the same parameters must give
 * the same loss, output and gradients bit for bit, in both of DL4J's cache modes, for a unit whose
 * output feeds two convolutions (as in Inception-v3's 8x8 blocks) and for the one feeding a merge.
 */
class ConvUnitLayersTest {
    private static final int SIZE = 13;
    private static final int BATCH = 4;
    private static final int CLASSES = 5;

    @Test
    void fusedUnitsComputeTheSameBitsAsDl4jsThreeLayers() {
        INDArray x = RandomBatch.images(3, BATCH, 3, SIZE);
        INDArray y = RandomBatch.oneHot(4, BATCH, CLASSES);
        for (CacheMode cache : new CacheMode[] {CacheMode.NONE, CacheMode.HOST}) {
            ComputationGraph stock = ModelZoo.instantiate(conf(false, cache));
            ComputationGraph fused = ModelZoo.instantiate(conf(true, cache));
            Map<String, INDArray> fusedParams = fused.paramTable();
            assertEquals(stock.paramTable().keySet(), fusedParams.keySet());
            stock.paramTable().forEach((k, v) -> fusedParams.get(k).assign(v));
            for (int step = 0; step < 2; step++) {
                Gradient a = RandomBatch.gradient(stock, x, y);
                Gradient b = RandomBatch.gradient(fused, x, y);
                assertEquals(stock.score(), fused.score(), 0.0, cache + " step " + step + ": loss");
                for (String key : a.gradientForVariable().keySet()) {
                    assertArrayEquals(flat(a.getGradientFor(key)), flat(b.getGradientFor(key)),
                            cache + " step " + step + ": gradient of " + key);
                }
                // one plain SGD step, so the second comparison starts from moved parameters and statistics
                sgdStep(stock, a, step);
                sgdStep(fused, b, step);
            }
            assertArrayEquals(flat(stock.params()), flat(fused.params()), cache + ": parameters");
            assertArrayEquals(flat(stock.outputSingle(false, x)), flat(fused.outputSingle(false, x)),
                    cache + ": inference output (moving statistics)");
        }
    }

    @Test
    void layerClassesAndTheFrozenScaleSurviveJson() {
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf(true, CacheMode.NONE).toJson());
        var unit = (LayerVertex) back.getVertices().get("a/BatchNorm");
        BatchNormRelu bn = assertInstanceOf(BatchNormRelu.class, unit.getLayerConf().getLayer());
        assertTrue(bn.isScaleFrozen());
        assertInstanceOf(NoOp.class, bn.getUpdaterByParam("gamma"));
        assertInstanceOf(Sgd.class, bn.getUpdaterByParam("beta"));
        assertInstanceOf(LinearConvolution.class, ((LayerVertex) back.getVertices().get("a/Conv2D")).getLayerConf().getLayer());
        assertInstanceOf(BatchNormReluLayer.class, ModelZoo.instantiate(back).getLayer("a/BatchNorm"));
        assertInstanceOf(LinearConvolutionLayer.class, ModelZoo.instantiate(back).getLayer("a/Conv2D"));
    }

    @Test
    void linearConvolutionRefusesAnActivation() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(SIZE, SIZE, 3))
                .addLayer("c", new LinearConvolution.Builder(3, 3).nOut(4).activation(Activation.RELU).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build(), "c")
                .setOutputs("out").build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelZoo.dl4jNetwork(conf, null));
        assertTrue(e.getMessage().contains("LinearConvolution c"), e.getMessage());
    }

    /** Two units, the first feeding two convolutions, then a merge, global pooling and a softmax. */
    private static ComputationGraphConfiguration conf(boolean fused, CacheMode cache) {
        GraphBuilder g = new NeuralNetConfiguration.Builder().seed(11).dataType(DataType.FLOAT).updater(new Sgd(0.05))
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(SIZE, SIZE, 3));
        String a = unit(g, fused, "a", "in", 6, 3, true);
        String b = unit(g, fused, "b", a, 4, 3, false);
        String c = unit(g, fused, "c", a, 4, 1, false);
        g.addVertex("merge", new MergeVertex(), b, c);
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "merge");
        g.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES)
                .activation(Activation.SOFTMAX).build(), "pool");
        ComputationGraphConfiguration conf = g.setOutputs("out").build();
        conf.setCacheMode(cache);
        return conf;
    }

    private static String unit(GraphBuilder g, boolean fused, String name, String in, int channels, int k,
                               boolean frozenScale) {
        ConvolutionLayer.Builder conv = fused ? new LinearConvolution.Builder(k, k) : new ConvolutionLayer.Builder(k, k);
        g.addLayer(name + "/Conv2D", conv.nOut(channels).hasBias(false).convolutionMode(ConvolutionMode.Same)
                .activation(Activation.IDENTITY).build(), in);
        if (fused) {
            g.addLayer(name + "/BatchNorm", BatchNormRelu.of(0.9, 0.001, !frozenScale), name + "/Conv2D");
            return name + "/BatchNorm";
        }
        BatchNormalization bn = frozenScale ? ShiftOnlyBatchNormalization.of(0.9, 0.001)
                : new BatchNormalization.Builder().decay(0.9).eps(0.001).build();
        g.addLayer(name + "/BatchNorm", bn, name + "/Conv2D");
        g.addLayer(name, new ActivationLayer.Builder().activation(Activation.RELU).build(), name + "/BatchNorm");
        return name;
    }

    private static void sgdStep(ComputationGraph g, Gradient grad, int step) {
        g.getUpdater().update(grad, step, 0, BATCH, LayerWorkspaceMgr.noWorkspaces());
        g.params().subi(g.getFlattenedGradients().reshape(g.params().shape()));
    }

    private static float[] flat(INDArray a) {
        return a.dup('c').reshape(a.length()).toFloatVector();
    }

}

package org.inceptionspark.model;

import org.inceptionspark.config.ModelConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.junit.jupiter.api.Test;

/** Inception-v3's configuration against RECIPE.md's architecture facts and Keras's counts. */
class ModelInceptionV3Test {

    private static final ModelConfig NO_AUX = ModelConfig.paper(ModelConfig.INCEPTION_V3, 1000).with("aux-head", false);

    /**
     * Output shapes by vertex name; a convolution unit's output (its {@code scope/BatchNorm} layer,
     * batch norm and ReLU in one) is also listed under the unit's scope, the TF end point's name.
     */
    private static Map<String, InputType> shapes(ModelConfig spec) {
        Map<String, InputType> byVertex = ModelZoo.build(spec, 1).getLayerActivationTypes(
                InputType.convolutional(spec.inputSize(), spec.inputSize(), 3));
        Map<String, InputType> shapes = new java.util.HashMap<>(byVertex);
        byVertex.forEach((name, type) -> {
            if (name.endsWith("/BatchNorm")) {
                shapes.put(name.substring(0, name.length() - "/BatchNorm".length()), type);
            }
        });
        return shapes;
    }

    private static String hwc(InputType t) {
        InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) t;
        return c.getHeight() + "x" + c.getWidth() + "x" + c.getChannels();
    }

    @Test
    void everyBlockHasThePublishedShapeAt299() {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("Conv2d_1a_3x3", "149x149x32");
        expected.put("Conv2d_2a_3x3", "147x147x32");
        expected.put("Conv2d_2b_3x3", "147x147x64");
        expected.put("MaxPool_3a_3x3", "73x73x64");
        expected.put("Conv2d_3b_1x1", "73x73x80");
        expected.put("Conv2d_4a_3x3", "71x71x192");
        expected.put("MaxPool_5a_3x3", "35x35x192");
        expected.put("Mixed_5b", "35x35x256");
        expected.put("Mixed_5c", "35x35x288");
        expected.put("Mixed_5d", "35x35x288");
        for (String b : List.of("Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e")) {
            expected.put(b, "17x17x768");
        }
        expected.put("Mixed_7a", "8x8x1280");
        expected.put("Mixed_7b", "8x8x2048");
        expected.put("Mixed_7c", "8x8x2048");
        expected.put("AuxLogits/AvgPool_1a_5x5", "5x5x768");
        expected.put("AuxLogits/Conv2d_1b_1x1", "5x5x128");
        expected.put("AuxLogits/Conv2d_2a_5x5", "1x1x768");
        Map<String, InputType> shapes = shapes(ModelConfig.paper(ModelConfig.INCEPTION_V3, 1000));
        Map<String, String> actual = new LinkedHashMap<>();
        expected.keySet().forEach(k -> actual.put(k, shapes.containsKey(k) ? hwc(shapes.get(k)) : "missing"));
        assertEquals(expected, actual);
    }

    @Test
    void factorizedBranchesUseTheirPublishedKernels() {
        ComputationGraphConfiguration conf = ModelZoo.build(NO_AUX, 1);
        ConvolutionLayer oneBySeven = convolution(conf, "Mixed_6b/Branch_1/Conv2d_0b_1x7");
        ConvolutionLayer sevenByOne = convolution(conf, "Mixed_6b/Branch_1/Conv2d_0c_7x1");
        assertEquals(List.of(1, 7), List.of(oneBySeven.getKernelSize()[0], oneBySeven.getKernelSize()[1]));
        assertEquals(List.of(7, 1), List.of(sevenByOne.getKernelSize()[0], sevenByOne.getKernelSize()[1]));
        assertEquals(128, oneBySeven.getNOut());
        assertEquals(160, convolution(conf, "Mixed_6c/Branch_2/Conv2d_0d_7x1").getNOut());
        assertEquals(192, convolution(conf, "Mixed_6e/Branch_2/Conv2d_0b_7x1").getNOut());
        assertFalse(oneBySeven.hasBias(), "batch norm's shift replaces the convolution bias");
    }

    private static ConvolutionLayer convolution(ComputationGraphConfiguration conf, String scope) {
        return (ConvolutionLayer) ((LayerVertex) conf.getVertices().get(scope + "/Conv2D")).getLayerConf().getLayer();
    }

    @Test
    void totalParametersEqualKerasInceptionV3() {
        ModelSummary s = ModelZoo.summarize(NO_AUX);
        System.out.printf("inception_v3 299 no aux: trainable %,d total %,d multiply-adds %,d%n",
                s.trainableParameters(), s.totalParameters(), s.multiplyAdds());
        assertEquals(23_851_784L, s.totalParameters());
        // Keras: 23,817,352 trainable + 34,432 non-trainable (94 BN layers x 2 x channels / 2).
        assertEquals(23_817_352L, s.trainableParameters());
    }

    @Test
    void learnedBatchNormScaleAddsOneGammaPerChannel() {
        ModelSummary shiftOnly = ModelZoo.summarize(NO_AUX);
        ModelSummary scaled = ModelZoo.summarize(NO_AUX.with("batch-norm.scale", true));
        // STACK-NOTES: a faithful DL4J Inception-v3 with scale and shift has 23,869,000.
        assertEquals(23_869_000L, scaled.totalParameters());
        assertEquals(17_216L, scaled.trainableParameters() - shiftOnly.trainableParameters());
    }

    @Test
    void withScaleAndAuxHeadTrainableParametersEqualTorchvision() {
        // torchvision's inception_v3(aux_logits=True) learns gamma and beta and keeps the moving
        // statistics as buffers, not parameters: 27,161,264.
        ModelSummary s = ModelZoo.summarize(ModelConfig.paper(ModelConfig.INCEPTION_V3, 1000).with("batch-norm.scale", true));
        assertEquals(27_161_264L, s.trainableParameters());
    }

    @Test
    void shiftOnlyBatchNormFreezesItsScale() {
        ComputationGraphConfiguration conf = ModelZoo.build(NO_AUX, 1);
        int batchNorms = 0;
        for (var v : conf.getVertices().values()) {
            if (v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof BatchNormalization bn) {
                batchNorms++;
                // Shift learned, scale frozen at 1 (never updated: NoOp), moving mean and variance.
                assertTrue(bn instanceof BatchNormRelu unit && unit.isScaleFrozen(), v.toString());
                assertFalse(bn.isLockGammaBeta());
                assertEquals(1.0, bn.getGamma());
                assertInstanceOf(org.nd4j.linalg.learning.config.NoOp.class, bn.getUpdaterByParam("gamma"));
                assertFalse(bn.getUpdaterByParam("beta") instanceof org.nd4j.linalg.learning.config.NoOp);
                assertEquals(0.9997, bn.getDecay());
                assertEquals(0.001, bn.getEps());
            }
        }
        assertEquals(94, batchNorms);
    }

    @Test
    void multiplyAddsAreAbout5_71GAt299() {
        long madds = ModelZoo.summarize(NO_AUX).multiplyAdds();
        assertEquals(5.71e9, madds, 0.01 * 5.71e9, "multiply-adds " + madds);
    }

    @Test
    void lowResolutionVariantsReachThe8x8GridAtAboutTheSameCost() {
        long full = ModelZoo.summarize(NO_AUX).multiplyAdds();
        for (int size : new int[]{151, 79}) {
            ModelConfig spec = NO_AUX.with("input-size", size);
            Map<String, InputType> shapes = shapes(spec);
            assertEquals("17x17x768", hwc(shapes.get("Mixed_6e")), "at " + size);
            assertEquals("8x8x2048", hwc(shapes.get("Mixed_7c")), "at " + size);
            long madds = ModelZoo.summarize(spec).multiplyAdds();
            System.out.printf("inception_v3 %d: multiply-adds %,d (%.2f of 299's)%n", size, madds, (double) madds / full);
            assertTrue(madds > 0.75 * full && madds < 1.25 * full, "cost at " + size + ": " + madds);
        }
        assertEquals("149x149x32", hwc(shapes(NO_AUX.with("input-size", 151)).get("Conv2d_1a_3x3")));
        Map<String, InputType> low = shapes(NO_AUX.with("input-size", 79));
        assertEquals("77x77x32", hwc(low.get("Conv2d_1a_3x3")));
        assertFalse(low.containsKey("MaxPool_3a_3x3"));
        assertEquals("36x36x288", hwc(low.get("Mixed_5d")));
    }

    @Test
    void otherInputSizesAreRejected() {
        org.inceptionspark.config.InvalidConfigException e = assertThrows(org.inceptionspark.config.InvalidConfigException.class,
                () -> NO_AUX.with("input-size", 224));
        assertTrue(e.getMessage().contains("inception.model.input-size = 224"), e.getMessage());
    }

    @Test
    void widthMultiplierFollowsTfSlimDepth() {
        ModelConfig quarter = NO_AUX.with("width-multiplier", 0.25);
        ComputationGraphConfiguration conf = ModelZoo.build(quarter, 1);
        assertEquals(16, convolution(conf, "Conv2d_1a_3x3").getNOut(), "max(int(32 * 0.25), 16)");
        assertEquals(20, convolution(conf, "Conv2d_3b_1x1").getNOut(), "int(80 * 0.25)");
        assertEquals(512, ((InputType.InputTypeConvolutional) shapes(quarter).get("Mixed_7c")).getChannels());
    }

    @Test
    void auxHeadIsWeightedAndOrderedAfterTheMainOutput() {
        ComputationGraphConfiguration conf = ModelZoo.build(ModelConfig.paper(ModelConfig.INCEPTION_V3, 1000), 1);
        assertEquals(List.of("output", "aux_output"), conf.getNetworkOutputs());
        OutputLayer aux = (OutputLayer) ((LayerVertex) conf.getVertices().get("aux_output")).getLayerConf().getLayer();
        assertEquals(new ScaledLoss(new org.nd4j.linalg.lossfunctions.impl.LossMCXENT(), 0.4), aux.getLossFn());
        DropoutLayer dropout = (DropoutLayer) ((LayerVertex) conf.getVertices().get("Logits/Dropout_1b"))
                .getLayerConf().getLayer();
        assertEquals(0.8, ((Dropout) dropout.getIDropout()).getP());
        ModelSummary withAux = ModelZoo.summarize(ModelConfig.paper(ModelConfig.INCEPTION_V3, 1000));
        // Aux head: 128*768 + 5*5*128*768 convolution weights, 768 + 128 shifts,
        // 2 x (768 + 128) moving statistics and a 768 x 1000 + 1000 classifier.
        long auxTotal = 128L * 768 + 25L * 128 * 768 + (768 + 128) * 3L + 768L * 1000 + 1000;
        assertEquals(23_851_784L + auxTotal, withAux.totalParameters());
    }
}

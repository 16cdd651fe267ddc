package org.inceptionspark.model;

import org.inceptionspark.config.ModelConfig;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** VGG's dense evaluation against the plain network it is derived from. */
class DenseEvaluationTest {
    private static final ModelConfig SPEC = ModelConfig.paper("vgg_a", 5).with("width-multiplier", 1.0 / 16);

    private static ComputationGraph trained() {
        ComputationGraph g = ModelZoo.instantiate(ModelZoo.build(SPEC, 3L));
        // biases of zero would hide a bias copied to the wrong place
        g.params().addi(Nd4j.rand(DataType.FLOAT, g.params().shape()).subi(0.5).muli(0.02));
        // confident scores, so a misplaced weight shows in them
        g.getLayer("output").getParam("W").muli(50);
        return g;
    }

    @Test
    void onATrainingSizedImageDenseScoresAreThePlainNetworks() {
        ComputationGraph plain = trained();
        DenseEvaluation dense = DenseEvaluation.of(plain, SPEC);
        INDArray images = Nd4j.rand(DataType.FLOAT, 2, 3, 224, 224);
        java.util.Map<String, INDArray> a = plain.feedForward(images, false);
        java.util.Map<String, INDArray> b = dense.graph().feedForward(images, false);
        assertArrayEquals(a.get("pool5").dup('c').data().asFloat(), b.get("pool5").dup('c').data().asFloat(), 1e-6f, "pool5");
        assertArrayEquals(a.get("fc6").dup('c').data().asFloat(), b.get("fc6").dup('c').data().asFloat(), 1e-5f, "fc6");
        INDArray expected = plain.outputSingle(false, images);
        assertTrue(expected.maxNumber().doubleValue() > 0.3, "scores far from uniform: " + expected);
        INDArray got = dense.scores(images, false);
        assertArrayEquals(expected.shape(), got.shape());
        assertArrayEquals(expected.data().asFloat(), got.data().asFloat(), 2e-6f);

        INDArray small = Nd4j.create(new float[] {1, 2, 3, 4, 5, 6}, new long[] {1, 1, 2, 3}, 'c');
        assertArrayEquals(new float[] {3, 2, 1, 6, 5, 4}, DenseEvaluation.mirrored(small).data().asFloat());
        INDArray both = plain.outputSingle(false, images).add(plain.outputSingle(false, DenseEvaluation.mirrored(images))).divi(2);
        assertArrayEquals(both.data().asFloat(), dense.scores(images, true).data().asFloat(), 2e-6f);
    }

    @Test
    void aLargerTestScaleAveragesTheClassScoreMap() {
        ComputationGraph plain = trained();
        DenseEvaluation dense = DenseEvaluation.of(plain, SPEC);
        INDArray images = Nd4j.rand(DataType.FLOAT, 1, 3, 256, 288);   // maps of 2x3 positions
        INDArray s = dense.scores(images, true);
        assertArrayEquals(new long[] {1, 5}, s.shape());
        assertEquals(1.0, s.sumNumber().doubleValue(), 1e-5, "averaged posteriors are a distribution");
        assertThrows(IllegalArgumentException.class, () -> DenseEvaluation.of(plain, ModelConfig.paper(ModelConfig.GOOGLENET, 5)));
    }
}

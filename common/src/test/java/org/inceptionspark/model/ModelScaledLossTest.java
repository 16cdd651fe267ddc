package org.inceptionspark.model;

import org.inceptionspark.config.ModelConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

class ModelScaledLossTest {

    @Test
    void scalesScoreAndGradientByItsWeight() {
        Nd4j.getRandom().setSeed(3);
        INDArray pre = Nd4j.randn(DataType.FLOAT, 4, 5);
        INDArray labels = Nd4j.eye(5).getRows(0, 2, 4, 1).castTo(DataType.FLOAT);
        ILossFunction plain = new LossMCXENT();
        ILossFunction scaled = new ScaledLoss(new LossMCXENT(), 0.4);
        ActivationSoftmax softmax = new ActivationSoftmax();
        double s = plain.computeScore(labels, pre.dup(), softmax, null, true);
        assertEquals(0.4 * s, scaled.computeScore(labels, pre.dup(), softmax, null, true), 1e-5);
        INDArray g = plain.computeGradient(labels, pre.dup(), softmax, null);
        assertEquals(g.mul(0.4), scaled.computeGradient(labels, pre.dup(), softmax, null));
        var both = scaled.computeGradientAndScore(labels, pre.dup(), softmax, null, true);
        assertEquals(0.4 * s, both.getFirst(), 1e-5);
        assertEquals(g.mul(0.4), both.getSecond());
        assertEquals(plain.computeScoreArray(labels, pre.dup(), softmax, null).mul(0.4),
                scaled.computeScoreArray(labels, pre.dup(), softmax, null));
    }

    @Test
    void survivesTheGraphConfigurationJsonRoundTrip() {
        ComputationGraphConfiguration conf = ModelZoo.build(ModelConfig.paper(ModelConfig.INCEPTION_V3, 10).with("width-multiplier", 0.25), 5);
        String json = conf.toJson();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(json);
        OutputLayer aux = (OutputLayer) ((LayerVertex) back.getVertices().get("aux_output")).getLayerConf().getLayer();
        ScaledLoss loss = assertInstanceOf(ScaledLoss.class, aux.getLossFn());
        assertEquals(0.4, loss.weight());
        assertInstanceOf(LossMCXENT.class, loss.loss());
        assertEquals(conf, back, "every vertex, shift-only batch norms included, survives the round trip");
        assertEquals(json, back.toJson());
    }

    @Test
    void rejectsNegativeWeights() {
        assertThrows(IllegalArgumentException.class, () -> new ScaledLoss(new LossMCXENT(), -1));
    }
}

package org.inceptionspark.model;

import org.inceptionspark.config.ModelConfig;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.junit.jupiter.api.BeforeAll;
import org.inceptionspark.optim.ParameterLayout;
import org.inceptionspark.optim.ParameterRole;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A quarter-width Inception-v3 at 79x79 with 10 classes, the same graph as the full network,
 * actually initialised and run forward and backward.
 */
class ModelSmallNetworkStepTest {
    private static final ModelConfig SPEC = ModelConfig.paper(ModelConfig.INCEPTION_V3, 10).with("input-size", 79).with("width-multiplier", 0.25);
    private static ComputationGraph graph;

    @BeforeAll
    static void init() {
        graph = ModelZoo.dl4jNetwork(ModelZoo.build(SPEC, 42), null);
    }

    private static INDArray[] batch(int n) {
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.rand(DataType.FLOAT, n, 3, 79, 79).subi(0.5).muli(2);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, 10);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, (i * 3) % 10, 1);
        }
        return new INDArray[]{x, y};
    }

    @Test
    void parameterCountMatchesTheSummary() {
        ModelSummary s = ModelZoo.summarize(SPEC);
        ParameterLayout layout = ParameterLayout.of(graph);
        // the summary leaves out the shift-only batch norms' scales: constants frozen at 1
        assertEquals(s.totalParameters() + layout.count(ParameterRole.FROZEN), graph.numParams());
        assertEquals(s.trainableParameters(), layout.count(ParameterRole.WEIGHT) + layout.count(ParameterRole.TRAINABLE));
    }

    @Test
    void shiftOnlyBatchNormTrainsTheShiftAndFreezesTheScaleAtOne() {
        Layer bn = graph.getLayer("Mixed_6b/Branch_1/Conv2d_0b_1x7/BatchNorm");
        assertEquals(java.util.Set.of(BatchNormalizationParamInitializer.GAMMA, BatchNormalizationParamInitializer.BETA,
                BatchNormalizationParamInitializer.GLOBAL_MEAN, BatchNormalizationParamInitializer.GLOBAL_LOG_STD),
                bn.paramTable().keySet());
        assertEquals(32, bn.paramTable().get(BatchNormalizationParamInitializer.BETA).length());
        assertEquals(32.0, bn.paramTable().get(BatchNormalizationParamInitializer.GAMMA).sumNumber().doubleValue(), 0);
        java.util.Map<String, ParameterRole> roles = new java.util.HashMap<>();
        ParameterLayout.of(graph).segments().forEach(s -> roles.put(s.name(), s.role()));
        assertEquals(ParameterRole.FROZEN, roles.get("Mixed_6b/Branch_1/Conv2d_0b_1x7/BatchNorm/gamma"));
        assertEquals(ParameterRole.TRAINABLE, roles.get("Mixed_6b/Branch_1/Conv2d_0b_1x7/BatchNorm/beta"));
        assertEquals(ParameterRole.BATCH_NORM_STATISTIC, roles.get("Mixed_6b/Branch_1/Conv2d_0b_1x7/BatchNorm/mean"));
        assertEquals(ParameterRole.WEIGHT, roles.get("Mixed_6b/Branch_1/Conv2d_0b_1x7/Conv2D/W"));
    }

    @Test
    void forwardAndBackwardOnTwoImagesGiveFiniteScoreAndGradients() {
        INDArray[] b = batch(2);
        INDArray[] outputs = graph.output(false, b[0]);
        assertEquals(2, outputs.length);
        assertArrayEquals(new long[]{2, 10}, outputs[0].shape(), "main output");
        assertArrayEquals(new long[]{2, 10}, outputs[1].shape(), "aux output");
        assertEquals(1.0, outputs[1].sumNumber().doubleValue() / 2, 1e-4, "aux rows are softmax distributions");

        graph.setInputs(b[0]);
        graph.setLabels(b[1], b[1]);
        graph.computeGradientAndScore();
        double score = graph.score();
        assertTrue(Double.isFinite(score) && score > 0, "score " + score);
        Map<String, INDArray> grads = graph.gradient().gradientForVariable();
        INDArray shiftGrad = grads.get("Mixed_7c/Branch_3/Conv2d_0b_1x1/BatchNorm_" + BatchNormalizationParamInitializer.BETA);
        assertTrue(shiftGrad != null, "shift gradient present: " + grads.keySet().stream().filter(k -> k.startsWith("Mixed_7c/Branch_3")).toList());
        assertTrue(shiftGrad.norm2Number().doubleValue() > 0, "the shift is trained");
        assertEquals(graph.numParams(), graph.getFlattenedGradients().length());
        double norm = graph.getFlattenedGradients().norm2Number().doubleValue();
        assertTrue(Double.isFinite(norm) && norm > 0, "gradient norm " + norm);
    }
}

package org.inceptionspark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.inceptionspark.config.ModelConfig;
import org.inceptionspark.model.ModelZoo;
import org.inceptionspark.optim.ParameterLayout;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * inception.model.cache-mode = host (the default, for speed) makes every layer keep its forward
 * output for the backward pass: the replica's message must be bit-identical to the uncached one,
 * also on the second of two steps with different images (a stale cache would show there).
 */
class CacheModeGradientTest {

    @Test
    void hostCacheGivesTheSameMessagesAsNoCache() {
        ModelConfig spec = ModelConfig.paper(ModelConfig.INCEPTION_V3, 5).with("input-size", 79).with("width-multiplier", 0.1);
        float[][] none = twoSteps(spec, CacheMode.NONE);
        float[][] host = twoSteps(spec, CacheMode.HOST);
        assertArrayEquals(none[0], host[0], "first step");
        assertArrayEquals(none[1], host[1], "second step");
    }

    private static float[][] twoSteps(ModelConfig spec, CacheMode mode) {
        ComputationGraphConfiguration conf = ModelZoo.build(spec, 11);
        conf.setCacheMode(mode);
        ComputationGraph g = ModelZoo.instantiate(conf);
        ParameterLayout layout = ParameterLayout.of(g);
        float[][] out = new float[2][GradientMessage.length(layout.length())];
        for (int step = 0; step < 2; step++) {
            Nd4j.getRandom().setSeed(100 + step);
            INDArray x = Nd4j.rand(DataType.FLOAT, 3, 3, 79, 79);
            new Replica(g).gradient(new Replica.Objective(5, 0.1, true), x, new int[] {step, 2, 4}, 7 + step, out[step]);
        }
        return out;
    }
}

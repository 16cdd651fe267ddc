package org.inceptionspark.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.inceptionspark.config.ModelConfig;
import org.inceptionspark.model.ModelZoo;
import org.inceptionspark.optim.ParameterLayout;
import org.inceptionspark.optim.ParameterSegment;
import org.inceptionspark.testing.SegmentDifferences;
import org.inceptionspark.train.GradientMessage;
import org.inceptionspark.train.Replica;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The product's batch-norm backward ({@link BatchNormBackprop}, installed by ModelZoo.instantiate)
 * against the oneDNN helper's batchnorm_bp, on a small Inception-v3: every parameter segment's
 * gradient within float rounding of the reference, and bit-identical from call to call.
 */
class BatchNormBackpropTest {
    private static final ModelConfig SPEC = ModelConfig.paper(ModelConfig.INCEPTION_V3, 5).with("input-size", 79).with("width-multiplier", 0.1);

    /** The network with DL4J's own helpers: oneDNN's batch norm, libnd4j's batchnorm_bp. */
    private static ComputationGraph withDl4jHelpers(ComputationGraphConfiguration conf) {
        NativeRuntime.configure();
        ComputationGraph g = new ComputationGraph(conf.clone());
        g.init();
        return g;
    }

    @Test
    void belowTheSizeThresholdTheLibnd4jOpRunsAndTheBitsAreItsOwn() {
        ComputationGraphConfiguration conf = ModelZoo.build(SPEC, 3);
        ComputationGraph reference = withDl4jHelpers(conf);
        // the default threshold: 4 images of 79x79 at width 0.1 stay under MIN_ELEMENTS everywhere
        ComputationGraph ours = withDl4jHelpers(conf);
        assertTrue(BatchNormBackprop.install(ours) > 50);
        ours.setParams(reference.params().dup());
        ParameterLayout layout = ParameterLayout.of(ours);
        assertArrayEquals(message(reference, layout), message(ours, layout));
    }

    @Test
    void matchesTheOneDnnHelperAndRepeatsBitForBit() {
        ComputationGraphConfiguration conf = ModelZoo.build(SPEC, 3);
        ComputationGraph reference = withDl4jHelpers(conf);
        ComputationGraph ours = withDl4jHelpers(conf);
        // every batch norm of this small network through the five-pass path, whatever its size
        assertTrue(BatchNormBackprop.install(ours, 0) > 50);
        Map<String, Integer> helpers = NativeRuntime.helperCounts(ours);
        assertTrue(helpers.getOrDefault("BatchNormBackprop", 0) > 50, helpers.toString());
        assertEquals(0, helpers.getOrDefault("MKLDNNBatchNormHelper", 0), helpers.toString());
        assertEquals(helpers.get("BatchNormBackprop"), NativeRuntime.helperCounts(reference).get("MKLDNNBatchNormHelper"));

        ParameterLayout layout = ParameterLayout.of(ours);
        ours.setParams(reference.params().dup());
        float[] expected = message(reference, layout);
        float[] actual = message(ours, layout);
        Map<ParameterSegment, Double> relative = SegmentDifferences.relative(layout, expected, actual);
        relative.forEach((s, r) -> assertTrue(r <= 1e-4, s + ": relative difference " + r));
        assertTrue(relative.size() > 100, "segments compared: " + relative.size());
        assertArrayEquals(actual, message(ours, layout), "a second call must give the same bits");
    }

    private static float[] message(ComputationGraph g, ParameterLayout layout) {
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 79, 79);
        float[] out = new float[GradientMessage.length(layout.length())];
        new Replica(g).gradient(new Replica.Objective(5, 0.1, true), x, new int[] {0, 1, 2, 4}, 9, out);
        return out;
    }
}

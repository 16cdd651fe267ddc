package org.inceptionspark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.inceptionspark.config.ModelConfig;
import org.inceptionspark.model.ModelZoo;
import org.inceptionspark.optim.ParameterLayout;
import org.inceptionspark.optim.ParameterRole;
import org.inceptionspark.optim.ParameterSegment;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The replica message of the real (small) Inception-v3, shift-only batch norm and auxiliary head
 * included, against central finite differences of its loss, in double precision: parameters from
 * the first convolution to the classifier. (A layer whose backward pass is off by a factor
 * compounds over 94 normalisations; this is where that shows.)
 */
class InceptionGradientCheckTest {

    @Test
    void gradientMatchesFiniteDifferencesThroughTheWholeNetwork() {
        // Dropout off (finite differences need one network function) and no auxiliary head: its batch
        // norm sees a 1x1 grid, i.e. as many values as images, where finite differences are unreliable.
        ModelConfig spec = ModelConfig.paper(ModelConfig.INCEPTION_V3, 10).with("input-size", 79)
                .with("width-multiplier", 0.25).with("aux-head", false).with("dropout-keep", 1.0);
        ComputationGraph g = ModelZoo.dl4jNetwork(ModelZoo.build(spec, 1), null);
        g = g.convertDataType(DataType.DOUBLE);
        ParameterLayout layout = ParameterLayout.of(g);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 4, 3, 79, 79).subi(0.5).muli(2);
        int[] labels = {1, 7, 3, 3};
        float[] m = new float[GradientMessage.length(layout.length())];
        new Replica(g).gradient(new Replica.Objective(10, 0.1, true), x, labels, 1, m);
        INDArray p0 = g.params().dup();
        INDArray t = Replica.smoothedTargets(labels, 10, 0.1).castTo(DataType.DOUBLE);
        List<String> checked = List.of("Conv2d_1a_3x3/Conv2D/W", "Conv2d_1a_3x3/BatchNorm/beta",
                "Mixed_5b/Branch_1/Conv2d_0b_5x5/Conv2D/W", "Mixed_6e/Branch_1/Conv2d_0b_1x7/Conv2D/W",
                "Mixed_7c/Branch_3/Conv2d_0b_1x1/BatchNorm/beta", "output/W");
        int found = 0;
        StringBuilder report = new StringBuilder();
        boolean ok = true;
        for (ParameterSegment s : layout.segments()) {
            if (!checked.contains(s.name())) {
                continue;
            }
            found++;
            int idx = (int) (s.offset() + s.length() / 3);
            double h = 1e-5;
            double numeric = (score(g, p0, idx, h, x, t) - score(g, p0, idx, -h, x, t)) / (2 * h);
            report.append(String.format("%s: numeric %.6g analytic %.6g%n", s.name(), numeric, m[idx]));
            // Measured: deep tensors agree to 6 digits; the stem's, whose effect passes through ~90 batch
            // norms over 4 images, to 2-3% (second-order terms in the central difference). The bug this
            // guards against was off by factors of 2^k.
            ok &= Math.abs(numeric - m[idx]) <= 1e-5 + 5e-2 * Math.abs(numeric);
        }
        System.out.print(report);
        assertEquals(checked.size(), found, "every checked tensor exists: " + report);
        assertTrue(ok, report.toString());
        assertTrue(layout.count(ParameterRole.FROZEN) > 0, "shift-only batch norm has frozen scales");
    }

    private static double score(ComputationGraph g, INDArray p0, int idx, double delta, INDArray x, INDArray t) {
        INDArray q = p0.dup();
        q.putScalar(idx, p0.getDouble(idx) + delta);
        g.setParams(q);
        g.setInputs(x);
        g.setLabels(t);
        Nd4j.getRandom().setSeed(1);
        g.computeGradientAndScore();
        return g.score();
    }
}

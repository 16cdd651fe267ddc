package org.inceptionspark.worker.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.inceptionspark.model.BatchNormRelu;
import org.inceptionspark.model.ModelZoo;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Exactness of the recomputed batch-norm statistics, against direct computations. */
class BatchNormMomentsTest {
    private static final int SIZE = 10;

    /** conv, BN (DL4J's, log10 std) + ReLU, conv, the model zoo's BN+ReLU, pooling, classifier. */
    private static ComputationGraph network() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(7)
                .weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(SIZE, SIZE, 3))
                .addLayer("conv1", new ConvolutionLayer.Builder(3, 3).nOut(5).hasBias(false)
                        .activation(Activation.IDENTITY).build(), "in")
                .addLayer("bn1", new BatchNormalization.Builder().decay(0.9997).eps(1e-3).build(), "conv1")
                .addLayer("relu1", new ActivationLayer(Activation.RELU), "bn1")
                .addLayer("conv2", new ConvolutionLayer.Builder(3, 3).nOut(6).hasBias(false)
                        .activation(Activation.IDENTITY).build(), "relu1")
                .addLayer("bn2", BatchNormRelu.of(0.9997, 1e-3, false), "conv2")
                .addLayer("pool", new GlobalPoolingLayer(PoolingType.AVG), "bn2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out")
                .build();
        ComputationGraph g = ModelZoo.dl4jNetwork(conf, null);
        return g;
    }

    private static INDArray images(long seed, int n) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.FLOAT, n, 3, SIZE, SIZE).muli(3).addi(1);
    }

    @Test
    void batchesCombineToTheExactMomentsOfAllTheirImages() {
        ComputationGraph g = network();
        INDArray a = images(1, 6);
        INDArray b = images(2, 9);
        BatchNormMoments combined = BatchNormMoments.of(g, a).plus(BatchNormMoments.of(g, b));
        // The first batch norm's input does not depend on any batch statistic: its exact moments over
        // all 15 images can be computed directly, in one go.
        INDArray x = g.feedForward(Nd4j.concat(0, a, b), false).get("conv1").castTo(DataType.DOUBLE);
        double[] mean = x.mean(0, 2, 3).toDoubleVector();
        double[] var = x.var(false, 0, 2, 3).toDoubleVector();
        assertEquals(List.of("bn1", "bn2"), combined.layers());
        assertEquals(15L * 8 * 8, combined.count(0));
        assertArrayEquals(mean, combined.mean(0), 1e-9);
        assertArrayEquals(var, combined.variance(0), 1e-9);
        assertTrue(combined.variance(1)[0] > 0);
    }

    @Test
    void statisticsOfOneBatchMakeInferenceReproduceThatBatchsTrainingPass() {
        // With statistics taken over exactly one batch, every layer's population statistics are
        // that batch's statistics, so inference on it must give what training mode gives: this
        // checks the variance definition and the log10-std form DL4J keeps it in, layer by layer.
        ComputationGraph g = network();
        INDArray batch = images(3, 8);
        BatchNormMoments.of(g, batch).writeInto(g);
        Map<String, INDArray> training = g.feedForward(batch, true);
        Map<String, INDArray> inference = g.feedForward(batch, false);
        for (String layer : List.of("relu1", "bn2", "out")) {
            float[] t = training.get(layer).dup().data().asFloat();
            float[] i = inference.get(layer).dup().data().asFloat();
            assertArrayEquals(t, i, 2e-4f, layer);
        }
        // The moving statistics the network was built with give something else.
        ComputationGraph fresh = network();
        float[] moving = fresh.feedForward(batch, false).get("relu1").dup().data().asFloat();
        float[] train = training.get("relu1").dup().data().asFloat();
        double maxDiff = 0;
        for (int k = 0; k < moving.length; k++) {
            maxDiff = Math.max(maxDiff, Math.abs(moving[k] - train[k]));
        }
        assertTrue(maxDiff > 0.1, "moving statistics at their initial values differ: " + maxDiff);
    }

    @Test
    void theSameBatchesInTheSameOrderGiveBitIdenticalStatistics() {
        ComputationGraph g = network();
        INDArray a = images(4, 5);
        INDArray b = images(5, 5);
        BatchNormMoments first = BatchNormMoments.of(g, a).plus(BatchNormMoments.of(g, b));
        BatchNormMoments second = BatchNormMoments.of(network(), a).plus(BatchNormMoments.of(network(), b));
        for (int l = 0; l < 2; l++) {
            assertArrayEquals(first.mean(l), second.mean(l), 0.0);
            assertArrayEquals(first.variance(l), second.variance(l), 0.0);
        }
    }
}

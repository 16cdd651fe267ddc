package org.inceptionspark.driver.train;

import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.weights.WeightInit;
import org.inceptionspark.worker.BatchSource;
import org.inceptionspark.worker.LabeledImages;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** A network with every kind of part the engine treats specially (BN statistics, dropout, two heads), small enough for many steps. */
final class TinyNetwork {
    static final int SIZE = 12;
    static final int CLASSES = 5;

    static ComputationGraphConfiguration graph(long seed) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(SIZE, SIZE, 3))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(6).hasBias(false).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().decay(0.9).eps(1e-3).build(), "conv")
                .addLayer("relu", new ActivationLayer(Activation.RELU), "bn")
                .addLayer("pool", new GlobalPoolingLayer(PoolingType.AVG), "relu")
                .addLayer("drop", new DropoutLayer(0.8), "pool")
                .addLayer("output", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build(), "drop")
                .addLayer("aux_output", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("output", "aux_output")
                .build();
    }

    /**
     * Pseudo-random images fixed by (seed, step, replica): the equivalence and determinism properties
     * do not depend on image content, and this keeps those tests independent of the data pipeline.
     */
    static final class NoiseBatches implements BatchSource {
        private final long seed;
        private final int batch;

        NoiseBatches(long seed, int batch) {
            this.seed = seed;
            this.batch = batch;
        }

        @Override
        public LabeledImages load(long step, int replica, int replicas) {
            SplittableRandom rnd = new SplittableRandom(seed * 1_000_003L + step * 1009L + replica);
            float[] x = new float[batch * 3 * SIZE * SIZE];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (rnd.nextDouble() * 2 - 1);
            }
            int[] labels = new int[batch];
            for (int i = 0; i < batch; i++) {
                labels[i] = rnd.nextInt(CLASSES);
                // make the task learnable: shift one channel by the label
                for (int p = 0; p < SIZE * SIZE; p++) {
                    x[i * 3 * SIZE * SIZE + p] += 0.5f * labels[i];
                }
            }
            return new LabeledImages(Nd4j.create(x, new long[] {batch, 3, SIZE, SIZE}, 'c'), labels, 0);
        }

        @Override
        public long imagesPerEpoch() {
            return 1000;
        }
    }

    private TinyNetwork() {
    }
}

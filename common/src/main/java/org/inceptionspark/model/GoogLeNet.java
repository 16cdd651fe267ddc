package org.inceptionspark.model;

import org.inceptionspark.config.ModelConfig;

import static org.deeplearning4j.nn.conf.ConvolutionMode.Same;
import static org.deeplearning4j.nn.conf.ConvolutionMode.Truncate;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.nn.weights.WeightInitXavier;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * GoogLeNet (Inception-v1), Table 1 of "Going deeper with convolutions", Caffe layer names.
 *
 * <p>Departures, on purpose: local response normalization (after conv1's pool and after conv2)
 * is omitted - it has no parameters, the paper's Table 1 does not list it, and later Inception
 * papers dropped it for batch norm. Weights are Xavier-initialised (the paper gives no init; it
 * is what the reference Caffe model uses). There is no batch norm, so convolutions carry a bias
 * and their own ReLU. Pools use SAME padding, which reproduces the paper's grid sizes
 * (112, 56, 28, 14, 7) the way Caffe's ceil-mode pooling does.
 */
final class GoogLeNet {
    static final String NAME = "googlenet";
    static final String OUTPUT = "output";
    static final String AUX1_OUTPUT = "aux1_output";
    static final String AUX2_OUTPUT = "aux2_output";
    /**
     * Retain probability of the auxiliary heads' dropout: the paper's "dropout layer with 70%
     * ratio of dropped outputs", part of the published head like its widths (no configuration key).
     */
    static final double AUX_DROPOUT_KEEP = 0.3;
    /** Width of the auxiliary heads' hidden fully connected layer, as published (multiplied like the convolutions). */
    static final int AUX_HIDDEN = 1024;

    private final ModelConfig spec;
    private final GraphAssembler a;
    private final IWeightInit init = new WeightInitXavier();

    private GoogLeNet(ModelConfig spec, GraphAssembler a) {
        this.spec = spec;
        this.a = a;
    }

    static ComputationGraphConfiguration build(ModelConfig spec, long seed) {
        GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .graphBuilder()
                .addInputs("input")
                .setInputTypes(InputType.convolutional(spec.inputSize(), spec.inputSize(), 3));
        new GoogLeNet(spec, new GraphAssembler(g, spec)).addLayers();
        if (spec.auxHead()) {
            g.setOutputs(OUTPUT, AUX1_OUTPUT, AUX2_OUTPUT);
        } else {
            g.setOutputs(OUTPUT);
        }
        return g.build();
    }

    private void addLayers() {
        String net = a.convRelu("conv1/7x7_s2", "input", 64, 7, 2, init);
        net = a.maxPool("pool1/3x3_s2", net, 3, 2, Same);
        net = a.convRelu("conv2/3x3_reduce", net, 64, 1, 1, init);
        net = a.convRelu("conv2/3x3", net, 192, 3, 1, init);
        net = a.maxPool("pool2/3x3_s2", net, 3, 2, Same);
        net = inception("inception_3a", net, 64, 96, 128, 16, 32, 32);
        net = inception("inception_3b", net, 128, 128, 192, 32, 96, 64);
        net = a.maxPool("pool3/3x3_s2", net, 3, 2, Same);
        net = inception("inception_4a", net, 192, 96, 208, 16, 48, 64);
        if (spec.auxHead()) {
            auxiliary("loss1", net, AUX1_OUTPUT);
        }
        net = inception("inception_4b", net, 160, 112, 224, 24, 64, 64);
        net = inception("inception_4c", net, 128, 128, 256, 24, 64, 64);
        net = inception("inception_4d", net, 112, 144, 288, 32, 64, 64);
        if (spec.auxHead()) {
            auxiliary("loss2", net, AUX2_OUTPUT);
        }
        net = inception("inception_4e", net, 256, 160, 320, 32, 128, 128);
        net = a.maxPool("pool4/3x3_s2", net, 3, 2, Same);
        net = inception("inception_5a", net, 256, 160, 320, 32, 128, 128);
        net = inception("inception_5b", net, 384, 192, 384, 48, 128, 128);

        GraphBuilder g = a.graph();
        g.addLayer("pool5/7x7_s1", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), net);
        g.addLayer("pool5/drop_7x7_s1", new DropoutLayer.Builder(spec.dropoutKeep()).build(), "pool5/7x7_s1");
        g.addLayer(OUTPUT, new OutputLayer.Builder(new LossMCXENT())
                .nOut(spec.classes()).activation(Activation.SOFTMAX).weightInit(init).build(), "pool5/drop_7x7_s1");
    }

    /** The Figure 2(b) module; arguments are Table 1's columns in order. */
    private String inception(String name, String in, int c1x1, int reduce3x3, int c3x3, int reduce5x5, int c5x5,
                             int poolProj) {
        String b0 = a.convRelu(name + "/1x1", in, c1x1, 1, 1, init);
        String b1 = a.convRelu(name + "/3x3_reduce", in, reduce3x3, 1, 1, init);
        b1 = a.convRelu(name + "/3x3", b1, c3x3, 3, 1, init);
        String b2 = a.convRelu(name + "/5x5_reduce", in, reduce5x5, 1, 1, init);
        b2 = a.convRelu(name + "/5x5", b2, c5x5, 5, 1, init);
        String b3 = a.maxPool(name + "/pool", in, 3, 1, Same);
        b3 = a.convRelu(name + "/pool_proj", b3, poolProj, 1, 1, init);
        return a.concat(name + "/output", b0, b1, b2, b3);
    }

    /** Auxiliary classifier (paper section 5): its loss enters the total with spec.auxLossWeight. */
    private void auxiliary(String scope, String in, String output) {
        GraphBuilder g = a.graph();
        String net = a.avgPool(scope + "/ave_pool", in, 5, 3, Truncate);
        net = a.convRelu(scope + "/conv", net, 128, 1, 1, init);
        g.addLayer(scope + "/fc", new DenseLayer.Builder().nOut(spec.depth(AUX_HIDDEN)).activation(Activation.RELU)
                .weightInit(init).build(), net);
        g.addLayer(scope + "/drop_fc", new DropoutLayer.Builder(AUX_DROPOUT_KEEP).build(), scope + "/fc");
        g.addLayer(output, new OutputLayer.Builder(new ScaledLoss(new LossMCXENT(), spec.auxLossWeight()))
                .nOut(spec.classes()).activation(Activation.SOFTMAX).weightInit(init).build(), scope + "/drop_fc");
    }
}

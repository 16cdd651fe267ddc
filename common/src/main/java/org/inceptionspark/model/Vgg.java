package org.inceptionspark.model;

import org.inceptionspark.config.ModelConfig;

import static org.deeplearning4j.nn.conf.ConvolutionMode.Truncate;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.nn.weights.WeightInitXavier;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * VGG ConvNet configurations A-E (Table 1 of "Very deep convolutional networks"): stacks of
 * 3x3 stride-1 convolutions (and C's 1x1 ones) with 2x2 max pools, then FC-4096, FC-4096
 * (each followed by dropout) and the softmax classifier. A-LRN is not offered.
 *
 * <p>Weights are Xavier-initialised: the paper reports that this "random initialisation
 * procedure of Glorot and Bengio" trains the deep configurations without pre-training from A.
 */
final class Vgg {
    /** One convolution: its kernel size and published width; a width of 0 is a max pool. */
    private record Unit(int kernel, int channels) {
    }

    private static final Unit POOL = new Unit(0, 0);
    /** Width of the two hidden fully connected layers, as published (multiplied like the convolutions). */
    static final int FC_WIDTH = 4096;

    private static final Map<String, List<Unit>> CONFIGURATIONS = Map.of(
            "vgg_a", stack(new int[][]{{64}, {128}, {256, 256}, {512, 512}, {512, 512}}, false),
            "vgg_b", stack(new int[][]{{64, 64}, {128, 128}, {256, 256}, {512, 512}, {512, 512}}, false),
            "vgg_c", stack(new int[][]{{64, 64}, {128, 128}, {256, 256, 256}, {512, 512, 512}, {512, 512, 512}}, true),
            "vgg_d", stack(new int[][]{{64, 64}, {128, 128}, {256, 256, 256}, {512, 512, 512}, {512, 512, 512}}, false),
            "vgg_e", stack(new int[][]{{64, 64}, {128, 128}, {256, 256, 256, 256}, {512, 512, 512, 512},
                    {512, 512, 512, 512}}, false));

    static List<String> names() {
        return ModelZoo.names().stream().filter(n -> n.startsWith("vgg_")).toList();
    }

    /** C is D with the last convolution of blocks 3-5 a 1x1 one. */
    private static List<Unit> stack(int[][] blocks, boolean lastOfDeepBlocksIs1x1) {
        List<Unit> units = new java.util.ArrayList<>();
        for (int b = 0; b < blocks.length; b++) {
            for (int i = 0; i < blocks[b].length; i++) {
                boolean oneByOne = lastOfDeepBlocksIs1x1 && b >= 2 && i == blocks[b].length - 1;
                units.add(new Unit(oneByOne ? 1 : 3, blocks[b][i]));
            }
            units.add(POOL);
        }
        return List.copyOf(units);
    }

    static ComputationGraphConfiguration build(ModelConfig spec, long seed) {
        IWeightInit init = new WeightInitXavier();
        GraphBuilder g = graph(spec, seed);
        String net = convolutions(spec, g, init);
        g.addLayer("fc6", new DenseLayer.Builder().nOut(spec.depth(FC_WIDTH)).activation(Activation.RELU).weightInit(init).build(), net);
        g.addLayer("drop6", new DropoutLayer.Builder(spec.dropoutKeep()).build(), "fc6");
        g.addLayer("fc7", new DenseLayer.Builder().nOut(spec.depth(FC_WIDTH)).activation(Activation.RELU).weightInit(init).build(), "drop6");
        g.addLayer("drop7", new DropoutLayer.Builder(spec.dropoutKeep()).build(), "fc7");
        g.addLayer("output", new OutputLayer.Builder(new LossMCXENT()).nOut(spec.classes())
                .activation(Activation.SOFTMAX).weightInit(init).build(), "drop7");
        g.setOutputs("output");
        return g.build();
    }

    /**
     * The same network made fully convolutional for dense evaluation (paper section 3.2): fc6 a
     * 7x7 convolution, fc7 and the classifier 1x1 convolutions, with the same parameter names; the
     * classifier's output is its logits map (softmax per position is the evaluator's). Inference only,
     * so without dropout; it takes any input of at least 224x224.
     */
    static ComputationGraphConfiguration buildDense(ModelConfig spec, long seed) {
        IWeightInit init = new WeightInitXavier();
        GraphBuilder g = graph(spec, seed);
        String net = convolutions(spec, g, init);
        g.addLayer("fc6", dense(7, spec.depth(FC_WIDTH), Activation.RELU, init), net);
        g.addLayer("fc7", dense(1, spec.depth(FC_WIDTH), Activation.RELU, init), "fc6");
        g.addLayer("output", dense(1, spec.classes(), Activation.IDENTITY, init), "fc7");
        g.setOutputs("output");
        return g.build();
    }

    private static org.deeplearning4j.nn.conf.layers.ConvolutionLayer dense(int k, int nOut, Activation a, IWeightInit init) {
        return new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(k, k).stride(1, 1).nOut(nOut)
                .convolutionMode(Truncate).activation(a).weightInit(init).build();
    }

    private static GraphBuilder graph(ModelConfig spec, long seed) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .graphBuilder()
                .addInputs("input")
                .setInputTypes(InputType.convolutional(spec.inputSize(), spec.inputSize(), 3));
    }

    /** The configuration's convolution and pooling stack; returns its last vertex. */
    private static String convolutions(ModelConfig spec, GraphBuilder g, IWeightInit init) {
        List<Unit> units = CONFIGURATIONS.get(spec.name());
        if (units == null) {
            throw new IllegalArgumentException("unknown VGG configuration " + spec.name() + "; known: " + names());
        }
        GraphAssembler a = new GraphAssembler(g, spec);
        String net = "input";
        int block = 1;
        int layer = 1;
        for (Unit u : units) {
            if (u == POOL) {
                net = a.maxPool("pool" + block, net, 2, 2, Truncate);
                block++;
                layer = 1;
            } else {
                net = a.convRelu("conv" + block + "_" + layer++, net, u.channels(), u.kernel(), 1, init);
            }
        }
        return net;
    }

    private Vgg() {
    }
}

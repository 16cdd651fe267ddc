package org.inceptionspark.model;

import org.inceptionspark.config.ModelConfig;

import static org.deeplearning4j.nn.conf.ConvolutionMode.Same;
import static org.deeplearning4j.nn.conf.ConvolutionMode.Truncate;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * Inception-v3 with the topology and scope names of TF-slim's {@code nets/inception_v3.py}
 * (which the paper's Table 1 stem differs from slightly; the code wins, as RECIPE.md says).
 * "VALID" padding is DL4J's {@code Truncate} mode, "SAME" is {@code Same}.
 */
final class InceptionV3 {
    static final String NAME = "inception_v3";
    static final String INPUT = "input";
    static final String OUTPUT = "output";
    static final String AUX_OUTPUT = "aux_output";
    static final String AUX_SOURCE = "Mixed_6e";

    private final ModelConfig spec;
    private final GraphAssembler a;

    private InceptionV3(ModelConfig spec, GraphAssembler assembler) {
        this.spec = spec;
        this.a = assembler;
    }

    static ComputationGraphConfiguration build(ModelConfig spec, long seed) {
        Resolution resolution = Resolution.of(spec.inputSize());
        GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .graphBuilder()
                .addInputs(INPUT)
                .setInputTypes(InputType.convolutional(spec.inputSize(), spec.inputSize(), 3));
        new InceptionV3(spec, new GraphAssembler(g, spec)).addLayers(resolution);
        if (spec.auxHead()) {
            g.setOutputs(OUTPUT, AUX_OUTPUT);
        } else {
            g.setOutputs(OUTPUT);
        }
        return g.build();
    }

    /**
     * The section-9 variants: the same network after the stem, with the stem's early
     * down-sampling removed so that 151x151 and 79x79 inputs still reach the 35/17/8 grids.
     */
    enum Resolution {
        /** 299: stride 2 in the first convolution, max pool after the third. */
        FULL(2, true),
        /** 151: stride 1 in the first convolution. */
        MEDIUM(1, true),
        /** 79: stride 1 and no pooling after the first layers (the grid is 36x36 at Mixed_5b). */
        LOW(1, false);

        final int firstStride;
        final boolean firstPool;

        Resolution(int firstStride, boolean firstPool) {
            this.firstStride = firstStride;
            this.firstPool = firstPool;
        }

        static Resolution of(int inputSize) {
            return switch (inputSize) {
                case 299 -> FULL;
                case 151 -> MEDIUM;
                case 79 -> LOW;
                default -> throw new IllegalArgumentException("inception_v3 input-size must be 299, 151 or 79"
                        + " (paper section 9), got " + inputSize);
            };
        }
    }

    private void addLayers(Resolution resolution) {
        double s = spec.convInitStddev();
        String net = a.convBn("Conv2d_1a_3x3", INPUT, 32, 3, 3, resolution.firstStride, Truncate, s);
        net = a.convBn("Conv2d_2a_3x3", net, 32, 3, 3, 1, Truncate, s);
        net = a.convBn("Conv2d_2b_3x3", net, 64, 3, 3, 1, Same, s);
        if (resolution.firstPool) {
            net = a.maxPool("MaxPool_3a_3x3", net, 3, 2, Truncate);
        }
        net = a.convBn("Conv2d_3b_1x1", net, 80, 1, 1, 1, Truncate, s);
        net = a.convBn("Conv2d_4a_3x3", net, 192, 3, 3, 1, Truncate, s);
        net = a.maxPool("MaxPool_5a_3x3", net, 3, 2, Truncate);

        net = mixed35("Mixed_5b", net, 32, "Conv2d_0a_1x1", "Conv2d_0b_5x5");
        net = mixed35("Mixed_5c", net, 64, "Conv2d_0b_1x1", "Conv_1_0c_5x5");
        net = mixed35("Mixed_5d", net, 64, "Conv2d_0a_1x1", "Conv2d_0b_5x5");
        net = mixed6a(net);
        net = mixed17("Mixed_6b", net, 128);
        net = mixed17("Mixed_6c", net, 160);
        net = mixed17("Mixed_6d", net, 160);
        net = mixed17("Mixed_6e", net, 192);
        if (spec.auxHead()) {
            auxLogits(net);
        }
        net = mixed7a(net);
        net = mixed8("Mixed_7b", net, "Conv2d_0b_3x1");
        net = mixed8("Mixed_7c", net, "Conv2d_0c_3x1");
        logits(net);
    }

    private String conv(String scope, String in, int ch, int kh, int kw) {
        return a.convBn(scope, in, ch, kh, kw, 1, Same, spec.convInitStddev());
    }

    private String reduce(String scope, String in, int ch) {
        return a.convBn(scope, in, ch, 3, 3, 2, Truncate, spec.convInitStddev());
    }

    /** Figure 5 blocks (35x35); the 5x5 branch's layer names differ in Mixed_5c in the TF code. */
    private String mixed35(String block, String in, int poolProjection, String b1First, String b1Second) {
        String b0 = conv(block + "/Branch_0/Conv2d_0a_1x1", in, 64, 1, 1);
        String b1 = conv(block + "/Branch_1/" + b1First, in, 48, 1, 1);
        b1 = conv(block + "/Branch_1/" + b1Second, b1, 64, 5, 5);
        String b2 = conv(block + "/Branch_2/Conv2d_0a_1x1", in, 64, 1, 1);
        b2 = conv(block + "/Branch_2/Conv2d_0b_3x3", b2, 96, 3, 3);
        b2 = conv(block + "/Branch_2/Conv2d_0c_3x3", b2, 96, 3, 3);
        String b3 = a.avgPool(block + "/Branch_3/AvgPool_0a_3x3", in, 3, 1, Same);
        b3 = conv(block + "/Branch_3/Conv2d_0b_1x1", b3, poolProjection, 1, 1);
        return a.concat(block, b0, b1, b2, b3);
    }

    /** Figure 10 grid reduction 35x35 -> 17x17. */
    private String mixed6a(String in) {
        String block = "Mixed_6a";
        String b0 = reduce(block + "/Branch_0/Conv2d_1a_1x1", in, 384);
        String b1 = conv(block + "/Branch_1/Conv2d_0a_1x1", in, 64, 1, 1);
        b1 = conv(block + "/Branch_1/Conv2d_0b_3x3", b1, 96, 3, 3);
        b1 = reduce(block + "/Branch_1/Conv2d_1a_1x1", b1, 96);
        String b2 = a.maxPool(block + "/Branch_2/MaxPool_1a_3x3", in, 3, 2, Truncate);
        return a.concat(block, b0, b1, b2);
    }

    /** Figure 6 blocks (17x17) with 1x7/7x1 factorization; {@code c} is the inner width. */
    private String mixed17(String block, String in, int c) {
        String b0 = conv(block + "/Branch_0/Conv2d_0a_1x1", in, 192, 1, 1);
        String b1 = conv(block + "/Branch_1/Conv2d_0a_1x1", in, c, 1, 1);
        b1 = conv(block + "/Branch_1/Conv2d_0b_1x7", b1, c, 1, 7);
        b1 = conv(block + "/Branch_1/Conv2d_0c_7x1", b1, 192, 7, 1);
        String b2 = conv(block + "/Branch_2/Conv2d_0a_1x1", in, c, 1, 1);
        b2 = conv(block + "/Branch_2/Conv2d_0b_7x1", b2, c, 7, 1);
        b2 = conv(block + "/Branch_2/Conv2d_0c_1x7", b2, c, 1, 7);
        b2 = conv(block + "/Branch_2/Conv2d_0d_7x1", b2, c, 7, 1);
        b2 = conv(block + "/Branch_2/Conv2d_0e_1x7", b2, 192, 1, 7);
        String b3 = a.avgPool(block + "/Branch_3/AvgPool_0a_3x3", in, 3, 1, Same);
        b3 = conv(block + "/Branch_3/Conv2d_0b_1x1", b3, 192, 1, 1);
        return a.concat(block, b0, b1, b2, b3);
    }

    /** Grid reduction 17x17 -> 8x8. */
    private String mixed7a(String in) {
        String block = "Mixed_7a";
        String b0 = conv(block + "/Branch_0/Conv2d_0a_1x1", in, 192, 1, 1);
        b0 = reduce(block + "/Branch_0/Conv2d_1a_3x3", b0, 320);
        String b1 = conv(block + "/Branch_1/Conv2d_0a_1x1", in, 192, 1, 1);
        b1 = conv(block + "/Branch_1/Conv2d_0b_1x7", b1, 192, 1, 7);
        b1 = conv(block + "/Branch_1/Conv2d_0c_7x1", b1, 192, 7, 1);
        b1 = reduce(block + "/Branch_1/Conv2d_1a_3x3", b1, 192);
        String b2 = a.maxPool(block + "/Branch_2/MaxPool_1a_3x3", in, 3, 2, Truncate);
        return a.concat(block, b0, b1, b2);
    }

    /** Figure 7 blocks (8x8) with expanded 1x3/3x1 filter banks. */
    private String mixed8(String block, String in, String b1SecondSplit) {
        String b0 = conv(block + "/Branch_0/Conv2d_0a_1x1", in, 320, 1, 1);
        String b1 = conv(block + "/Branch_1/Conv2d_0a_1x1", in, 384, 1, 1);
        String b1a = conv(block + "/Branch_1/Conv2d_0b_1x3", b1, 384, 1, 3);
        String b1b = conv(block + "/Branch_1/" + b1SecondSplit, b1, 384, 3, 1);
        b1 = a.concat(block + "/Branch_1", b1a, b1b);
        String b2 = conv(block + "/Branch_2/Conv2d_0a_1x1", in, 448, 1, 1);
        b2 = conv(block + "/Branch_2/Conv2d_0b_3x3", b2, 384, 3, 3);
        String b2a = conv(block + "/Branch_2/Conv2d_0c_1x3", b2, 384, 1, 3);
        String b2b = conv(block + "/Branch_2/Conv2d_0d_3x1", b2, 384, 3, 1);
        b2 = a.concat(block + "/Branch_2", b2a, b2b);
        String b3 = a.avgPool(block + "/Branch_3/AvgPool_0a_3x3", in, 3, 1, Same);
        b3 = conv(block + "/Branch_3/Conv2d_0b_1x1", b3, 192, 1, 1);
        return a.concat(block, b0, b1, b2, b3);
    }

    /**
     * Batch-normalized auxiliary classifier on the last 17x17 block (paper section 4, Table 3):
     * its 768-wide convolution spans the whole 5x5 grid, as in the TF code.
     */
    private void auxLogits(String in) {
        String scope = "AuxLogits";
        String net = a.avgPool(scope + "/AvgPool_1a_5x5", in, 5, 3, Truncate);
        net = a.convBn(scope + "/Conv2d_1b_1x1", net, 128, 1, 1, 1, Same, spec.convInitStddev());
        net = a.convBn(scope + "/Conv2d_2a_5x5", net, 768, 5, 5, 1, Truncate, spec.auxConvInitStddev());
        a.graph().addLayer(AUX_OUTPUT, new OutputLayer.Builder(new ScaledLoss(new LossMCXENT(), spec.auxLossWeight()))
                .nOut(spec.classes())
                .activation(Activation.SOFTMAX)
                .weightInit(GraphAssembler.truncatedNormal(spec.auxFcInitStddev()))
                .build(), net);
    }

    /** Global average pool (8x8 at every supported resolution), dropout, softmax classifier. */
    private void logits(String in) {
        GraphBuilder g = a.graph();
        g.addLayer("Logits/AvgPool_1a_8x8", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), in);
        // DL4J's dropout argument is the retain probability, the same convention as TF's keep_prob.
        g.addLayer("Logits/Dropout_1b", new DropoutLayer.Builder(spec.dropoutKeep()).build(), "Logits/AvgPool_1a_8x8");
        g.addLayer(OUTPUT, new OutputLayer.Builder(new LossMCXENT())
                .nOut(spec.classes())
                .activation(Activation.SOFTMAX)
                .weightInit(GraphAssembler.truncatedNormal(spec.fcInitStddev()))
                .build(), "Logits/Dropout_1b");
    }
}

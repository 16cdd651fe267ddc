package org.inceptionspark.model;

import org.inceptionspark.config.ModelConfig;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.distribution.TruncatedNormalDistribution;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.nd4j.linalg.activations.Activation;

/**
 * Adds named units (convolutions, pools, concatenations) to a DL4J graph, each method returning
 * the name of the vertex that holds the unit's output, so the network builders read like the
 * TF reference's scopes.
 */
final class GraphAssembler {
    private final GraphBuilder graph;
    private final ModelConfig spec;

    GraphAssembler(GraphBuilder graph, ModelConfig spec) {
        this.graph = graph;
        this.spec = spec;
    }

    GraphBuilder graph() {
        return graph;
    }

    static IWeightInit truncatedNormal(double stddev) {
        return new WeightInitDistribution(new TruncatedNormalDistribution(0, stddev));
    }

    /**
     * TF-slim's conv2d under the Inception arg scope: convolution without bias, batch norm, ReLU.
     * The unit's output is the vertex {@code scope/BatchNorm} ({@link BatchNormRelu}: batch norm and
     * ReLU in one layer, which keeps one full-size tensor less for the backward pass);
     * {@code channels} is the published width, multiplied here by the spec's depth function.
     */
    String convBn(String scope, String input, int channels, int kh, int kw, int stride, ConvolutionMode mode,
                  double stddev) {
        graph.addLayer(scope + "/Conv2D", new LinearConvolution.Builder(kh, kw)
                .stride(stride, stride)
                .nOut(spec.depth(channels))
                .hasBias(false)
                .convolutionMode(mode)
                .activation(Activation.IDENTITY)
                .weightInit(truncatedNormal(stddev))
                .build(), input);
        // The moving variance stays in DL4J's default form, log10 of the standard deviation
        // (parameter "log10stdev"): useLogStd(false) would be the TF form, but DL4J 1.0.0-M2.1's
        // JSON reader turns it back to true, so a configuration shipped as JSON would reinterpret
        // the stored statistic.
        String name = scope + "/BatchNorm";
        graph.addLayer(name, BatchNormRelu.of(spec.bnDecay(), spec.bnEpsilon(), spec.bnScale()), scope + "/Conv2D");
        return name;
    }

    /** A convolution with bias and ReLU, for the networks without batch norm (GoogLeNet, VGG). */
    String convRelu(String name, String input, int channels, int k, int stride, IWeightInit init) {
        graph.addLayer(name, new ConvolutionLayer.Builder(k, k)
                .stride(stride, stride)
                .nOut(spec.depth(channels))
                .convolutionMode(ConvolutionMode.Same)
                .activation(Activation.RELU)
                .weightInit(init)
                .build(), input);
        return name;
    }

    String maxPool(String name, String input, int k, int stride, ConvolutionMode mode) {
        graph.addLayer(name, new MaxPooling.Builder()
                .kernelSize(k, k).stride(stride, stride).convolutionMode(mode).build(), input);
        return name;
    }

    /** Average pooling; with SAME padding TF divides by the window's in-image count, not k*k. */
    String avgPool(String name, String input, int k, int stride, ConvolutionMode mode) {
        graph.addLayer(name, new SubsamplingLayer.Builder(PoolingType.AVG)
                .kernelSize(k, k).stride(stride, stride).convolutionMode(mode)
                .avgPoolIncludePadInDivisor(false).build(), input);
        return name;
    }

    /** Channel concatenation, in the order given (the order of TF's Branch_0..Branch_3). */
    String concat(String name, String... inputs) {
        graph.addVertex(name, new MergeVertex(), inputs);
        return name;
    }
}

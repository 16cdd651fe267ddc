package org.inceptionspark.model;

import org.inceptionspark.config.ModelConfig;

import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * VGG's dense evaluation (paper section 3.2): the fully connected layers applied as convolutions
 * (fc6 7x7, fc7 and the classifier 1x1) over a whole image rescaled to a test scale Q; the class
 * posteriors of every position of the resulting map are averaged, and, optionally, averaged with
 * those of the horizontally flipped image. On a 224x224 image the map is 1x1 and the scores are
 * the plain network's.
 */
public final class DenseEvaluation {
    private final ComputationGraph dense;

    private DenseEvaluation(ComputationGraph dense) {
        this.dense = dense;
    }

    /** The dense form of a trained VGG network built from {@code spec}; its weights are copied, fc layers reshaped. */
    public static DenseEvaluation of(ComputationGraph trained, ModelConfig spec) {
        if (!spec.name().startsWith("vgg_")) {
            throw new IllegalArgumentException("dense evaluation is VGG's; model " + spec.name() + " has no fc6/fc7");
        }
        ComputationGraph dense = ModelZoo.instantiate(Vgg.buildDense(spec, 0L));
        for (org.deeplearning4j.nn.api.Layer layer : trained.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            Map<String, INDArray> params = layer.paramTable();
            if (params.isEmpty()) {
                continue;
            }
            org.deeplearning4j.nn.api.Layer target = dense.getLayer(name);
            for (Map.Entry<String, INDArray> p : params.entrySet()) {
                INDArray into = target.getParam(p.getKey());
                INDArray value = p.getValue();
                if ("W".equals(p.getKey()) && value.rank() == 2) {
                    // DL4J's dense weights are [nIn, nOut], nIn flattened from NCHW as c*H*W + h*W + w:
                    // transposed and reshaped in C order that is the convolution's [nOut, c, kH, kW].
                    value = value.transpose().dup('c').reshape('c', into.shape());
                }
                into.assign(value);
            }
        }
        return new DenseEvaluation(dense);
    }

    /** The fully convolutional network (with the trained weights), to ship to where images are scored. */
    public ComputationGraph graph() {
        return dense;
    }

    /** Scores with a fully convolutional network {@link #graph()} returned (rebuilt elsewhere). */
    public static DenseEvaluation wrapping(ComputationGraph dense) {
        return new DenseEvaluation(dense);
    }

    /**
     * Class scores [N, K] of images [N, 3, H, W] (H, W >= 224): the mean over the map's positions of
     * the softmax of each position's logits, and with {@code flip} the mean of that and the flipped
     * images' scores.
     */
    public INDArray scores(INDArray images, boolean flip) {
        INDArray s = spatialMean(images);
        if (flip) {
            s = s.add(spatialMean(mirrored(images))).divi(2);
        }
        return s;
    }

    /** Images [N, C, H, W] mirrored left to right. */
    static INDArray mirrored(INDArray images) {
        float[] in = images.dup('c').data().asFloat();
        int w = (int) images.size(3);
        float[] out = new float[in.length];
        for (int row = 0; row < in.length; row += w) {
            for (int x = 0; x < w; x++) {
                out[row + x] = in[row + w - 1 - x];
            }
        }
        return Nd4j.create(out, images.shape(), 'c');
    }

    private INDArray spatialMean(INDArray images) {
        INDArray logits = dense.outputSingle(false, images);     // [N, K, h, w]
        long n = logits.size(0);
        long k = logits.size(1);
        long positions = logits.size(2) * logits.size(3);
        INDArray perPosition = logits.permute(0, 2, 3, 1).dup('c').reshape('c', n * positions, k);
        INDArray posteriors = Nd4j.exec(new org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax(perPosition, 1))[0];
        return posteriors.reshape('c', n, positions, k).mean(1);
    }
}

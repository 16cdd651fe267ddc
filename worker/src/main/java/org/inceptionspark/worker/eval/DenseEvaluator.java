package org.inceptionspark.worker.eval;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.inceptionspark.image.DecodeLimits;
import org.inceptionspark.image.ImageDecoder;
import org.inceptionspark.image.ImageRecord;
import org.inceptionspark.image.Preprocessor;
import org.inceptionspark.image.RgbImage;
import org.inceptionspark.model.DenseEvaluation;
import org.inceptionspark.worker.data.PackedDataset;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Executor-side dense evaluation (VGG, section 3.2) of a range of images: each image rescaled to
 * every test scale Q (its shorter side), scored by the fully convolutional networks
 * ({@link DenseEvaluation#graph()}) averaged over the class-score map and, with {@code flip}, the
 * mirror image; the image's prediction is the mean over scales and models. One image per forward
 * pass: its size depends on the image and the scale.
 */
public final class DenseEvaluator {
    private static final Logger LOG = LoggerFactory.getLogger(DenseEvaluator.class);

    private final List<ModelSnapshot> denseModels;
    private final List<Integer> scales;
    private final boolean flip;
    private final DecodeLimits limits;

    /** @param denseModels snapshots of {@link DenseEvaluation#graph()}s */
    public DenseEvaluator(List<ModelSnapshot> denseModels, List<Integer> scales, boolean flip, DecodeLimits limits) {
        this.denseModels = denseModels;
        this.scales = List.copyOf(scales);
        this.flip = flip;
        this.limits = limits;
    }

    public EvalCounts evaluate(PackedDataset data, long from, long to) {
        EvalCounts counts = EvalCounts.empty(data.numClasses());
        long skipped = 0;
        for (long i = from; i < to; i++) {
            RgbImage img;
            int label;
            try {
                ImageRecord rec = data.read(i);
                img = ImageDecoder.decode(rec.encoded(), limits);
                label = rec.label();
            } catch (Exception e) {
                LOG.warn("eval skips image {} of {}: {}", i, data.path(), e.toString());
                skipped++;
                continue;
            } catch (OutOfMemoryError e) {
                throw DecodeLimits.outOfMemory("image " + i + " of " + data.path(), e);
            }
            MultiCropEvaluator.tally(scores(img), List.of(label), counts);
        }
        return new EvalCounts(counts.total(), counts.top1(), counts.top5(), skipped);
    }

    /** [1, classes]: the mean over scales and models of the dense scores. */
    INDArray scores(RgbImage img) {
        INDArray sum = null;
        for (int q : scales) {
            int[] size = Preprocessor.scaledSize(img.width(), img.height(), q);
            float[] x = new float[3 * size[0] * size[1]];
            Preprocessor.rescale(img, size[0], size[1], x, 0);
            INDArray input = Nd4j.create(x, new long[] {1, 3, size[1], size[0]}, 'c');
            for (ModelSnapshot m : denseModels) {
                ComputationGraph g = m.graph();
                INDArray s;
                synchronized (g) {
                    s = DenseEvaluation.wrapping(g).scores(input, flip).dup();
                }
                sum = sum == null ? s : sum.addi(s);
            }
        }
        return sum.divi(scales.size() * denseModels.size());
    }
}

package org.inceptionspark.worker.eval;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.inceptionspark.image.CropBox;
import org.inceptionspark.image.CropScheme;
import org.inceptionspark.image.ImageDecoder;
import org.inceptionspark.image.ImageRecord;
import org.inceptionspark.image.Preprocessor;
import org.inceptionspark.image.RgbImage;
import org.inceptionspark.worker.data.PackedDataset;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.inceptionspark.image.DecodeLimits;

/**
 * Executor-side evaluation of a range of images: each image's prediction is the softmax averaged
 * over its crops and over the ensemble's models (each model's first output is taken as its
 * classifier). Crops of several images share one forward pass, up to {@code max(crops, 32)} rows.
 */
public final class MultiCropEvaluator {
    private static final Logger LOG = LoggerFactory.getLogger(MultiCropEvaluator.class);
    private static final int ROWS_PER_FORWARD = 32;

    private final List<ModelSnapshot> models;
    private final CropScheme scheme;
    private final int inputSize;
    private final double centralFraction;
    private final DecodeLimits limits;

    public MultiCropEvaluator(List<ModelSnapshot> models, CropScheme scheme, int inputSize, double centralFraction,
                              DecodeLimits limits) {
        this.limits = limits;
        this.models = models;
        this.scheme = scheme;
        this.inputSize = inputSize;
        this.centralFraction = centralFraction;
    }

    public EvalCounts evaluate(PackedDataset data, long from, long to) {
        EvalCounts counts = EvalCounts.empty(data.numClasses());
        int imagesPerForward = Math.max(1, ROWS_PER_FORWARD / scheme.crops());
        int stride = 3 * inputSize * inputSize;
        long skipped = 0;
        for (long start = from; start < to; start += imagesPerForward) {
            int n = (int) Math.min(imagesPerForward, to - start);
            float[] rows = new float[n * scheme.crops() * stride];
            List<Integer> labels = new ArrayList<>();
            int ok = 0;
            for (int i = 0; i < n; i++) {
                try {
                    ImageRecord rec = data.read(start + i);
                    RgbImage img = ImageDecoder.decode(rec.encoded(), limits);
                    List<CropBox> boxes = scheme.boxes(img, inputSize, centralFraction);
                    for (int c = 0; c < boxes.size(); c++) {
                        Preprocessor.crop(img, boxes.get(c), inputSize, rows, (ok * scheme.crops() + c) * stride);
                    }
                    labels.add(rec.label());
                    ok++;
                } catch (Exception e) {
                    LOG.warn("eval skips image {} of {}: {}", start + i, data.path(), e.toString());
                    skipped++;
                } catch (OutOfMemoryError e) {
                    throw DecodeLimits.outOfMemory("image " + (start + i) + " of " + data.path(), e);
                }
            }
            if (ok == 0) {
                continue;
            }
            INDArray input = Nd4j.create(java.util.Arrays.copyOf(rows, ok * scheme.crops() * stride),
                    new long[]{(long) ok * scheme.crops(), 3, inputSize, inputSize}, 'c');
            INDArray probs = averagedSoftmax(input, ok);
            tally(probs, labels, counts);
        }
        return new EvalCounts(counts.total(), counts.top1(), counts.top5(), skipped);
    }

    /** [images, classes]: mean over crops and models. */
    private INDArray averagedSoftmax(INDArray input, int images) {
        INDArray sum = null;
        for (ModelSnapshot m : models) {
            ComputationGraph g = m.graph();
            INDArray out;
            synchronized (g) {
                out = g.output(false, input)[0].dup();
            }
            INDArray perImage = out.reshape(images, scheme.crops(), out.size(1)).mean(1);
            sum = sum == null ? perImage : sum.addi(perImage);
        }
        return sum.divi(models.size());
    }

    /**
     * Counts an image right only when its class scores strictly above the others: a tie (constant
     * outputs) and NaN count as wrong, so a diverged model scores 100% top-1 error and a constant
     * one at least 1 - 1/K, instead of right by the accident of comparisons with NaN.
     */
    static void tally(INDArray probs, List<Integer> labels, EvalCounts counts) {
        float[][] p = probs.toFloatMatrix();
        for (int i = 0; i < p.length; i++) {
            int label = labels.get(i);
            counts.total()[label]++;
            Rank r = rank(p[i], label);
            if (r == Rank.TOP1) {
                counts.top1()[label]++;
            }
            if (r != Rank.OUTSIDE_TOP5) {
                counts.top5()[label]++;
            }
        }
    }

    enum Rank { TOP1, TOP5, OUTSIDE_TOP5 }

    /** Where class {@code label} ranks in {@code scores}; any other class scoring as high or NaN ranks above it. */
    static Rank rank(float[] scores, int label) {
        float target = scores[label];
        if (Float.isNaN(target)) {
            return Rank.OUTSIDE_TOP5;
        }
        int atLeastAsHigh = 0;
        for (int j = 0; j < scores.length; j++) {
            if (j != label && !(scores[j] < target)) {
                atLeastAsHigh++;
            }
        }
        return atLeastAsHigh == 0 ? Rank.TOP1 : atLeastAsHigh < 5 ? Rank.TOP5 : Rank.OUTSIDE_TOP5;
    }
}

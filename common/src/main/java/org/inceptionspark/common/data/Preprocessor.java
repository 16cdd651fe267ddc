package org.inceptionspark.common.data;

import org.inceptionspark.config.AugmentConfig;

/**
 * Turns a decoded image into network input (CHW floats in [-1, 1]) as in RECIPE.md.
 * Training: random area/aspect crop, flip, colour distortion, all drawn from (seed, epoch, imageId)
 * so an image is augmented identically whichever executor handles it. Evaluation: central crop.
 */
public final class Preprocessor {
    private final AugmentConfig params;

    public Preprocessor(AugmentConfig params) {
        this.params = params;
    }

    public AugmentConfig params() {
        return params;
    }

    public void train(RgbImage img, long seed, long epoch, long imageId, int size, float[] dst, int offset) {
        SplitMix64 rng = SplitMix64.of(seed, epoch, imageId);
        CropBox box = randomCrop(img, rng);
        boolean mirror = params.flip() && rng.nextBoolean();
        BilinearSampler.sample(img, new CropBox(box.x(), box.y(), box.width(), box.height(), mirror), size, size,
                dst, offset);
        if (params.colorDistortion()) {
            ColorDistortion.apply(dst, offset, size * size, params, rng);
        }
        toSignedUnit(dst, offset, 3 * size * size);
    }

    public void eval(RgbImage img, int size, float[] dst, int offset) {
        crop(img, centralCrop(img, params.evalCentralFraction()), size, dst, offset);
    }

    /** Samples one box of a multi-crop scheme; no colour distortion. */
    public static void crop(RgbImage img, CropBox box, int size, float[] dst, int offset) {
        BilinearSampler.sample(img, box, size, size, dst, offset);
        toSignedUnit(dst, offset, 3 * size * size);
    }

    /** TF central_crop: the same fraction of height and width, centred. */
    public static CropBox centralCrop(RgbImage img, double fraction) {
        double w = img.width() * fraction;
        double h = img.height() * fraction;
        return new CropBox((img.width() - w) / 2, (img.height() - h) / 2, w, h, false);
    }

    /** TF sample_distorted_bounding_box over the whole image; the whole image after maxAttempts misses. */
    CropBox randomCrop(RgbImage img, SplitMix64 rng) {
        int w = img.width();
        int h = img.height();
        double area = (double) w * h;
        for (int attempt = 0; attempt < params.maxAttempts(); attempt++) {
            double target = area * rng.uniform(params.minArea(), params.maxArea());
            double aspect = rng.uniform(params.minAspect(), params.maxAspect());
            int cw = (int) Math.round(Math.sqrt(target * aspect));
            int ch = (int) Math.round(Math.sqrt(target / aspect));
            if (cw >= 1 && ch >= 1 && cw <= w && ch <= h) {
                int x = cw == w ? 0 : rng.nextInt(w - cw + 1);
                int y = ch == h ? 0 : rng.nextInt(h - ch + 1);
                return new CropBox(x, y, cw, ch, false);
            }
        }
        return CropBox.whole(img, false);
    }

    private static void toSignedUnit(float[] a, int offset, int n) {
        for (int i = offset; i < offset + n; i++) {
            a[i] = a[i] * 2f - 1f;
        }
    }
}

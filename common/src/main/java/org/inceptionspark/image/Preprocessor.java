package org.inceptionspark.image;

import org.inceptionspark.config.AugmentConfig;

/**
 * Turns a decoded image into network input (CHW floats in [-1, 1]) as in RECIPE.md.
 * Training: random area/aspect crop (or VGG's crop at training scale S), flip, colour distortion, all
 * drawn from (seed, epoch, imageId) so an image is augmented identically whichever executor handles it. Evaluation: central crop.
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
        CropBox box = params.scaleCrops() ? scaleCrop(img, size, rng).box() : randomCrop(img, rng);
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

    /**
     * One crop at training scale S: the image rescaled isotropically to {@code scaledWidth x scaledHeight}
     * (shorter side S), and {@code box}, the source pixels of the {@code size x size} square cropped from it.
     */
    public record ScaledCrop(int scale, int scaledWidth, int scaledHeight, CropBox box) {
    }

    /**
     * VGG's crop: S drawn uniformly from the integers [scale-min, scale-max], the image rescaled so its
     * shorter side is S, a {@code size} square at a uniform integer offset of the rescaled image. Sampling
     * the matching source box straight to {@code size} pixels is the rescale and the crop in one
     * interpolation.
     */
    ScaledCrop scaleCrop(RgbImage img, int size, SplitMix64 rng) {
        int s = params.scaleMin() + (params.scaleMax() > params.scaleMin()
                ? rng.nextInt(params.scaleMax() - params.scaleMin() + 1) : 0);
        int w = img.width();
        int h = img.height();
        double f = (double) s / Math.min(w, h);
        int[] scaled = scaledSize(w, h, s);
        int sw = scaled[0];
        int sh = scaled[1];
        int x = rng.nextInt(sw - size + 1);
        int y = rng.nextInt(sh - size + 1);
        double side = size / f;
        // sw / f may pass the image's edge by the rounding of sw: keep the box inside
        return new ScaledCrop(s, sw, sh, new CropBox(Math.min(x / f, w - side), Math.min(y / f, h - side), side, side, false));
    }

    /** {width, height} of a w x h image rescaled isotropically so that its shorter side is {@code s}. */
    public static int[] scaledSize(int w, int h, int s) {
        double f = (double) s / Math.min(w, h);
        return new int[] {w <= h ? s : Math.max(s, (int) Math.round(w * f)), h < w ? s : Math.max(s, (int) Math.round(h * f))};
    }

    /** The whole image resized to {@code width x height} as network input (VGG's dense evaluation at a test scale). */
    public static void rescale(RgbImage img, int width, int height, float[] dst, int offset) {
        BilinearSampler.sample(img, CropBox.whole(img, false), width, height, dst, offset);
        toSignedUnit(dst, offset, 3 * width * height);
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

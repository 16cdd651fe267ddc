package org.inceptionspark.image;

import org.inceptionspark.config.AugmentConfig;

/**
 * TF's Inception {@code distort_color} on one CHW image in [0, 1]: brightness, then either
 * saturation, hue, contrast (order 0) or contrast, saturation, hue (order 1), then clip to [0, 1].
 * Saturation and hue are always adjacent, so both are applied in a single HSV round trip.
 */
public final class ColorDistortion {
    private ColorDistortion() {
    }

    public static void apply(float[] img, int offset, int plane, AugmentConfig p, SplitMix64 rng) {
        float brightness = (float) rng.uniform(-p.brightnessDelta(), p.brightnessDelta());
        boolean contrastFirst = rng.nextBoolean();
        float saturation = (float) rng.uniform(p.saturationLower(), p.saturationUpper());
        float hue = (float) rng.uniform(-p.hueDelta(), p.hueDelta());
        float contrast = (float) rng.uniform(p.contrastLower(), p.contrastUpper());
        int end = offset + 3 * plane;
        for (int i = offset; i < end; i++) {
            img[i] += brightness;
        }
        if (contrastFirst) {
            contrast(img, offset, plane, contrast);
        }
        saturationAndHue(img, offset, plane, saturation, hue);
        if (!contrastFirst) {
            contrast(img, offset, plane, contrast);
        }
        for (int i = offset; i < end; i++) {
            img[i] = Math.max(0f, Math.min(1f, img[i]));
        }
    }

    /** TF adjust_contrast: each channel moves away from its own mean by the factor. */
    static void contrast(float[] img, int offset, int plane, float factor) {
        for (int c = 0; c < 3; c++) {
            int start = offset + c * plane;
            double sum = 0;
            for (int i = 0; i < plane; i++) {
                sum += img[start + i];
            }
            float mean = (float) (sum / plane);
            for (int i = 0; i < plane; i++) {
                img[start + i] = (img[start + i] - mean) * factor + mean;
            }
        }
    }

    /** TF adjust_saturation (s scaled, clipped to [0,1]) then adjust_hue (h shifted, wrapped). */
    static void saturationAndHue(float[] img, int offset, int plane, float satFactor, float hueDelta) {
        int g0 = offset + plane;
        int b0 = offset + 2 * plane;
        for (int i = 0; i < plane; i++) {
            float r = img[offset + i];
            float g = img[g0 + i];
            float b = img[b0 + i];
            float max = Math.max(r, Math.max(g, b));
            float min = Math.min(r, Math.min(g, b));
            float range = max - min;
            float v = max;
            float s = max > 0 ? range / max : 0f;
            float h;
            if (range <= 0) {
                h = 0f;
            } else if (max == r) {
                h = (g - b) / range;
            } else if (max == g) {
                h = 2f + (b - r) / range;
            } else {
                h = 4f + (r - g) / range;
            }
            h = h / 6f;
            if (h < 0) {
                h += 1f;
            }
            s = Math.min(1f, Math.max(0f, s * satFactor));
            h += hueDelta;
            h -= (float) Math.floor(h);
            // HSV -> RGB
            float h6 = h * 6f;
            int sector = (int) h6;
            float f = h6 - sector;
            float p = v * (1 - s);
            float q = v * (1 - s * f);
            float t = v * (1 - s * (1 - f));
            switch (sector % 6) {
                case 0 -> { r = v; g = t; b = p; }
                case 1 -> { r = q; g = v; b = p; }
                case 2 -> { r = p; g = v; b = t; }
                case 3 -> { r = p; g = q; b = v; }
                case 4 -> { r = t; g = p; b = v; }
                default -> { r = v; g = p; b = q; }
            }
            img[offset + i] = r;
            img[g0 + i] = g;
            img[b0 + i] = b;
        }
    }
}

package org.inceptionspark.image;

import java.util.ArrayList;
import java.util.List;

/**
 * Evaluation crop schemes; a model's prediction for an image is the mean softmax over the crops.
 *
 * <ul>
 * <li>{@code 1}: the central 87.5% crop (RECIPE.md's single-crop evaluation).</li>
 * <li>{@code 144}: GoogLeNet section 10: the image is rescaled to 4 sizes of its shorter side
 *     (256, 288, 320, 352 for a 224 input, i.e. 8/7, 9/7, 10/7, 11/7 of the input size here); from
 *     each, 3 squares (left/centre/right, or top/middle/bottom for portrait images); from each square
 *     4 corner crops, the centre crop and the whole square resized to the input; each also mirrored:
 *     4 x 3 x 6 x 2 = 144.</li>
 * <li>{@code 12}: the Inception-v3 paper (Table 4) reports a 12-crop figure without defining it.
 *     We use the 144 scheme reduced to its first scale (shorter side 8/7 of the input, the same
 *     ratio as the 87.5% central crop) and its centre square: 6 crops x 2 mirrors = 12.</li>
 * </ul>
 * Crops are expressed in source coordinates, so rescaling and cropping happen in one bilinear pass.
 */
public enum CropScheme {
    ONE(1), TWELVE(12), ONE_FORTY_FOUR(144);

    private static final double[] SCALES = {256.0 / 224, 288.0 / 224, 320.0 / 224, 352.0 / 224};

    private final int crops;

    CropScheme(int crops) {
        this.crops = crops;
    }

    public int crops() {
        return crops;
    }

    public static CropScheme of(int crops) {
        for (CropScheme s : values()) {
            if (s.crops == crops) {
                return s;
            }
        }
        throw new IllegalArgumentException("--crops must be 1, 12 or 144, got " + crops);
    }

    public List<CropBox> boxes(RgbImage img, int inputSize, double centralFraction) {
        List<CropBox> out = new ArrayList<>(crops);
        if (this == ONE) {
            out.add(Preprocessor.centralCrop(img, centralFraction));
            return out;
        }
        int scales = this == TWELVE ? 1 : SCALES.length;
        boolean allSquares = this == ONE_FORTY_FOUR;
        double shortSide = Math.min(img.width(), img.height());
        boolean landscape = img.width() >= img.height();
        for (int s = 0; s < scales; s++) {
            // Source pixels per pixel of the rescaled image whose shorter side is SCALES[s] * inputSize.
            double k = shortSide / (SCALES[s] * inputSize);
            double crop = inputSize * k;
            double longSide = Math.max(img.width(), img.height());
            double[] squareStarts = allSquares
                    ? new double[]{0, (longSide - shortSide) / 2, longSide - shortSide}
                    : new double[]{(longSide - shortSide) / 2};
            for (double start : squareStarts) {
                double sqX = landscape ? start : 0;
                double sqY = landscape ? 0 : start;
                double far = shortSide - crop;
                double[][] corners = {{0, 0}, {far, 0}, {0, far}, {far, far}, {far / 2, far / 2}};
                for (boolean mirror : new boolean[]{false, true}) {
                    for (double[] c : corners) {
                        out.add(new CropBox(sqX + c[0], sqY + c[1], crop, crop, mirror));
                    }
                    out.add(new CropBox(sqX, sqY, shortSide, shortSide, mirror));
                }
            }
        }
        return out;
    }
}

package org.inceptionspark.config;

import java.io.Serializable;

/**
 * {@code inception.augment}: training distortions and the evaluation crop (TF reference image_processing.py);
 * {@code scaleMin}/{@code scaleMax} > 0 replace the area/aspect crop by VGG's training scale S.
 */
public record AugmentConfig(
        double minArea,
        double maxArea,
        double minAspect,
        double maxAspect,
        int maxAttempts,
        boolean flip,
        boolean colorDistortion,
        double brightnessDelta,
        double saturationLower,
        double saturationUpper,
        double hueDelta,
        double contrastLower,
        double contrastUpper,
        double evalCentralFraction,
        int scaleMin,
        int scaleMax) implements Serializable {

    /** Whether crops follow VGG's training scale S (shorter side rescaled to S) instead of area and aspect. */
    public boolean scaleCrops() {
        return scaleMin > 0;
    }
}

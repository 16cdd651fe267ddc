package org.inceptionspark.common.data;

import java.io.Serializable;

/** The {@code inception.augment} section: crop, flip, colour distortion and evaluation crop settings. */
public record AugmentParams(double minArea, double maxArea, double minAspect, double maxAspect, int maxAttempts,
                            boolean flip, boolean colorDistortion, double brightnessDelta, double saturationLower,
                            double saturationUpper, double hueDelta, double contrastLower, double contrastUpper,
                            double evalCentralFraction, int scaleMin, int scaleMax) implements Serializable {

    /** Whether crops follow VGG's training scale S (shorter side rescaled to S) instead of area and aspect. */
    public boolean scaleCrops() {
        return scaleMin > 0;
    }

    /** RECIPE.md's values, the same as reference.conf's defaults. */
    public static AugmentParams recipe() {
        return new AugmentParams(0.05, 1.0, 0.75, 4.0 / 3.0, 100, true, true, 32.0 / 255.0, 0.5, 1.5, 0.2, 0.5, 1.5,
                0.875, 0, 0);
    }

    /** The typed {@code inception.augment} section. */
    public static AugmentParams from(org.inceptionspark.config.AugmentConfig a) {
        return new AugmentParams(a.minArea(), a.maxArea(), a.minAspect(), a.maxAspect(), a.maxAttempts(), a.flip(),
                a.colorDistortion(), a.brightnessDelta(), a.saturationLower(), a.saturationUpper(), a.hueDelta(),
                a.contrastLower(), a.contrastUpper(), a.evalCentralFraction(), a.scaleMin(), a.scaleMax());
    }

}

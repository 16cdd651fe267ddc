package org.inceptionspark.train;

import java.io.Serializable;
import org.inceptionspark.optim.GradientClipping;

/** The driver-side recipe: how combined gradients become a parameter update. */
public record UpdateRule(boolean sumReplicas, double weightDecay, GradientClipping.Mode clipMode, double clipThreshold,
                         boolean movingAverage, double movingAverageDecay, boolean movingAverageWarmup)
        implements Serializable {
}

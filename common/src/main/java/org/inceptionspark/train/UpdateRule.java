package org.inceptionspark.train;

import org.inceptionspark.config.OptimizerConfig;
import java.io.Serializable;

/** The driver-side recipe: how combined gradients become a parameter update. */
public record UpdateRule(boolean sumReplicas, double weightDecay, OptimizerConfig.ClipMode clipMode, double clipThreshold,
                         boolean movingAverage, double movingAverageDecay, boolean movingAverageWarmup,
                         boolean movingAveragePolyak)
        implements Serializable {
}

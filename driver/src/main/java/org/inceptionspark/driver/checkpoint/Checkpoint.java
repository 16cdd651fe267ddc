package org.inceptionspark.driver.checkpoint;

import java.util.LinkedHashMap;
import org.inceptionspark.optim.Plateau;

/**
 * Everything needed to resume a run exactly or to evaluate/export it: the driver's parameter
 * state, the position in the data (the global step: epochs and shards follow from it and the
 * seed), and the random state (every stream derives from the seed and the step), the network
 * and the configuration it ran with.
 *
 * @param slots optimizer slot vectors by name (e.g. rms, momentum)
 * @param average moving-average parameters, or null when averaging is off
 * @param plateau the plateau learning-rate schedule's state, or null when the rate follows the step alone
 */
public record Checkpoint(long step, long skippedSteps, long seed, int replicas, String graphJson, String configText,
                         float[] params, LinkedHashMap<String, float[]> slots, float[] average, Plateau.State plateau) {

    /** The weights evaluation and export use: the moving average when there is one. */
    public float[] evaluationParams() {
        return average != null ? average : params;
    }
}

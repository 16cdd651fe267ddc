package org.inceptionspark.optim;

import java.io.Serializable;

/**
 * When the plateau schedule cuts the learning rate (VGG, section 3.1: "decreased by a factor of 10
 * when the validation set accuracy stopped improving"): after {@code patience} evaluations in a row
 * whose top-1 accuracy did not exceed the best so far by more than {@code minDelta}, the rate is
 * multiplied by {@code factor}, at most {@code maxCuts} times.
 */
public record PlateauRule(double factor, int patience, double minDelta, int maxCuts) implements Serializable {

    public PlateauRule {
        if (!(factor > 0 && factor <= 1) || patience < 1 || !(minDelta >= 0) || maxCuts < 0) {
            throw new IllegalArgumentException("plateau rule needs 0 < factor <= 1, patience >= 1, min-delta >= 0, max-cuts >= 0;"
                    + " got factor " + factor + ", patience " + patience + ", min-delta " + minDelta + ", max-cuts " + maxCuts);
        }
    }
}

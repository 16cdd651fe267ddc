package org.inceptionspark.worker;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The reduce side of a step: one slice's contributions summed in replica order, so the float
 * additions happen in the same order on every run, whatever order the shuffle delivered them in.
 */
public final class SliceSum {
    private SliceSum() {
    }

    public static GradientSlice sumInReplicaOrder(Iterable<GradientSlice> contributions) {
        List<GradientSlice> sorted = new ArrayList<>();
        contributions.forEach(sorted::add);
        sorted.sort(Comparator.comparingInt(GradientSlice::replica));
        float[] sum = null;
        int previous = -1;
        for (GradientSlice s : sorted) {
            if (s.replica() == previous) {
                throw new IllegalStateException("replica " + s.replica() + " sent the same slice twice");
            }
            previous = s.replica();
            float[] v = s.values();
            if (sum == null) {
                sum = v.clone();
            } else {
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += v[i];
                }
            }
        }
        return GradientSlice.sum(sum);
    }
}

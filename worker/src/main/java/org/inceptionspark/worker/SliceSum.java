package org.inceptionspark.worker;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.inceptionspark.train.PairwiseSum;

/**
 * The reduce side of a step: one slice's contributions, one per block of replicas, summed in
 * {@link PairwiseSum} order over the block numbers, so the float additions happen in the same
 * order on every run, whatever order the shuffle delivered them in.
 */
public final class SliceSum {
    private SliceSum() {
    }

    public static GradientSlice sumInBlockOrder(Iterable<GradientSlice> contributions, int blocks) {
        List<GradientSlice> sorted = new ArrayList<>();
        contributions.forEach(sorted::add);
        sorted.sort(Comparator.comparingInt(GradientSlice::block));
        for (int b = 0; b < sorted.size(); b++) {
            if (sorted.get(b).block() != b) {
                throw new IllegalStateException("block " + b + " of " + blocks + " is missing or was sent twice: got blocks "
                        + sorted.stream().map(GradientSlice::block).toList());
            }
        }
        if (sorted.size() != blocks) {
            throw new IllegalStateException("expected " + blocks + " blocks of replicas, got " + sorted.size());
        }
        // every contribution was deserialized from the shuffle for this task alone, so the sum
        // may add into them in place
        PairwiseSum sum = new PairwiseSum();
        sorted.forEach(s -> sum.add(s.values()));
        float[] result = sum.result();
        // the others are read no more: the next slices deserialized in this JVM can reuse them
        for (GradientSlice s : sorted) {
            if (s.values() != result) {
                MessageBuffers.giveBack(s.values());
            }
        }
        return GradientSlice.sum(result);
    }
}

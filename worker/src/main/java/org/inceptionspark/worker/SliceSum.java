package org.inceptionspark.worker;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
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
        FaultHooks.atReduce();
        List<GradientSlice> sorted = new ArrayList<>();
        contributions.forEach(sorted::add);
        sorted.sort(Comparator.comparingInt(GradientSlice::block));
        List<Integer> got = sorted.stream().map(GradientSlice::block).toList();
        if (!got.equals(IntStream.range(0, blocks).boxed().toList())) {
            throw new IllegalStateException("expected one contribution from each of blocks 0.." + (blocks - 1) + ", got " + got);
        }
        // every contribution was deserialized from the shuffle for this task alone, so the sum
        // may add into them in place
        long[] digests = new long[blocks];
        String[] origins = new String[blocks];
        for (GradientSlice s : sorted) {
            digests[s.block()] = s.digests().length > 0 ? s.digests()[0] : 0;
            origins[s.block()] = s.origins().length > 0 ? s.origins()[0] : "?";
        }
        PairwiseSum sum = new PairwiseSum();
        sorted.forEach(s -> sum.add(s.values()));
        float[] result = sum.result();
        // the others are read no more: the next slices deserialized in this JVM can reuse them
        for (GradientSlice s : sorted) {
            if (s.values() != result) {
                MessageBuffers.giveBack(s.values());
            }
        }
        return GradientSlice.sum(result, digests, origins);
    }
}

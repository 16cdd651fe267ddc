package org.inceptionspark.worker.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** An image counts as right only when its class scores strictly highest: ties and NaN are wrong. */
class ScoringTest {
    @Test
    void nanScoresAreNeverRight() {
        float nan = Float.NaN;
        assertEquals(MultiCropEvaluator.Rank.OUTSIDE_TOP5, MultiCropEvaluator.rank(new float[]{nan, nan, nan}, 1));
        assertEquals(MultiCropEvaluator.Rank.OUTSIDE_TOP5, MultiCropEvaluator.rank(new float[]{nan, nan}, 0),
                "even with fewer than 5 classes");
        assertEquals(MultiCropEvaluator.Rank.TOP5, MultiCropEvaluator.rank(new float[]{0.1f, nan, 0.9f}, 2),
                "another class's NaN ranks above the label");
        EvalCounts counts = EvalCounts.empty(10);
        float[][] rows = new float[6][10];
        for (float[] r : rows) {
            java.util.Arrays.fill(r, nan);
        }
        MultiCropEvaluator.tally(Nd4j.createFromArray(rows), List.of(0, 1, 2, 3, 4, 5), counts);
        assertEquals(6, java.util.Arrays.stream(counts.total()).sum());
        assertEquals(0, java.util.Arrays.stream(counts.top1()).sum(), "a NaN model scores 100% top-1 error");
        assertEquals(0, java.util.Arrays.stream(counts.top5()).sum(), "and 100% top-5 error");
    }

    @Test
    void tiesAreWrongSoConstantScoresGetNoImageRight() {
        EvalCounts counts = EvalCounts.empty(10);
        float[][] rows = new float[20][10];
        for (float[] r : rows) {
            java.util.Arrays.fill(r, 0.1f);
        }
        List<Integer> labels = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            labels.add(i % 10);
        }
        MultiCropEvaluator.tally(Nd4j.createFromArray(rows), labels, counts);
        assertEquals(0, java.util.Arrays.stream(counts.top1()).sum(), "constant logits: top-1 error 100% >= 1 - 1/K");
        assertEquals(0, java.util.Arrays.stream(counts.top5()).sum());
        assertEquals(MultiCropEvaluator.Rank.TOP1, MultiCropEvaluator.rank(new float[]{0.2f, 0.5f, 0.3f}, 1));
        assertEquals(MultiCropEvaluator.Rank.TOP5, MultiCropEvaluator.rank(new float[]{0.4f, 0.4f, 0.2f}, 0),
                "a tie for first is not a top-1 hit");
        assertEquals(MultiCropEvaluator.Rank.OUTSIDE_TOP5,
                MultiCropEvaluator.rank(new float[]{0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.4f}, 0),
                "tied with five others: outside the top 5");
    }
}

package org.inceptionspark.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The plateau schedule's decisions (VGG: divide by 10 when validation accuracy stops improving). */
class PlateauTest {
    private static final PlateauRule VGG = new PlateauRule(0.1, 2, 0.001, 3);

    @Test
    void cutsAfterPatienceEvaluationsWithoutAnImprovementAboveMinDelta() {
        Plateau p = new Plateau(VGG);
        assertEquals(1.0, p.multiplier());
        assertTrue(p.observe(100, 0.30).improved(), "the first evaluation sets the best");
        assertTrue(p.observe(200, 0.35).improved());
        Plateau.Decision d = p.observe(300, 0.3505);       // +0.0005 is within min-delta: no improvement
        assertFalse(d.improved());
        assertFalse(d.cut());
        assertEquals(1, d.after().sinceImprovement());
        d = p.observe(400, 0.34);                           // second in a row: cut
        assertTrue(d.cut());
        assertEquals(1, d.after().cuts());
        assertEquals(0, d.after().sinceImprovement());
        assertEquals(0.35, d.after().best(), "the best is kept through a cut");
        assertEquals(0.1, p.multiplier(), 1e-15);
        assertTrue(p.observe(500, 0.40).improved());        // the lower rate helps: counting restarts
        assertFalse(p.observe(600, 0.40).cut());
        assertTrue(p.observe(700, 0.39).cut());
        assertEquals(0.01, p.multiplier(), 1e-15);
        assertEquals(700, p.state().lastEvaluatedStep());
    }

    @Test
    void stopsCuttingAfterMaxCuts() {
        Plateau p = new Plateau(new PlateauRule(0.1, 1, 0.0, 3));
        p.observe(1, 0.5);
        List<Boolean> cuts = new ArrayList<>();
        for (int i = 2; i <= 7; i++) {
            cuts.add(p.observe(i, 0.5).cut());             // equal is not an improvement
        }
        assertEquals(List.of(true, true, true, false, false, false), cuts);
        assertEquals(3, p.state().cuts());
        assertEquals(1e-3, p.multiplier(), 1e-18);
        assertEquals(0.1 * 0.1 * 0.1, 1e-3, 1e-18);
    }

    @Test
    void aRestoredStateDecidesAsTheUninterruptedOne() {
        double[] accuracies = {0.1, 0.2, 0.2, 0.19, 0.25, 0.25, 0.251, 0.25, 0.3, 0.29, 0.29, 0.28, 0.28, 0.27};
        Plateau straight = new Plateau(VGG);
        List<Plateau.Decision> expected = new ArrayList<>();
        for (int i = 0; i < accuracies.length; i++) {
            expected.add(straight.observe(i, accuracies[i]));
        }
        for (int stop = 0; stop <= accuracies.length; stop++) {
            Plateau first = new Plateau(VGG);
            for (int i = 0; i < stop; i++) {
                assertEquals(expected.get(i), first.observe(i, accuracies[i]));
            }
            Plateau resumed = new Plateau(VGG);
            resumed.restore(first.state());
            for (int i = stop; i < accuracies.length; i++) {
                assertEquals(expected.get(i), resumed.observe(i, accuracies[i]), "resumed after " + stop + ", evaluation " + i);
            }
        }
        assertEquals(3, straight.state().cuts());
    }

    @Test
    void theScheduleIsTheInitialRateTimesTheCuts() {
        LearningRateSchedule s = LearningRateSchedule.plateau(0.01, VGG);
        assertEquals(0.01, s.at(0));
        assertEquals(0.01, s.at(1_000_000), "the step alone never decays a plateau schedule");
        assertThrows(IllegalArgumentException.class, () -> new PlateauRule(0.1, 0, 0, 3));
        assertThrows(IllegalArgumentException.class, () -> new Plateau(VGG).observe(1, Double.NaN));
    }
}

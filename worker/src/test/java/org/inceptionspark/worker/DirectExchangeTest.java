package org.inceptionspark.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * How the direct exchange cuts the weights and the message: bounded pieces, at least one per
 * task. Its transfers run in SyncEquivalenceTest and SyncEquivalenceOnClusterIT.
 */
class DirectExchangeTest {
    @Test
    void piecesAreBoundedWhateverTheTaskCount() {
        int inceptionV3 = 23_869_000;
        for (int blocks : new int[] {1, 2, 25, 50}) {
            SliceRanges r = DirectExchange.pieces(inceptionV3, blocks);
            assertEquals(Math.max(blocks, (inceptionV3 + DirectExchange.PIECE_FLOATS - 1) / DirectExchange.PIECE_FLOATS),
                    r.slices(), "blocks " + blocks);
            int covered = 0;
            for (int p = 0; p < r.slices(); p++) {
                assertTrue(r.size(p) <= DirectExchange.PIECE_FLOATS, "piece " + p + " of " + r.size(p));
                assertEquals(covered, r.from(p));
                covered += r.size(p);
            }
            assertEquals(inceptionV3, covered);
        }
    }

    @Test
    void everyTaskOwnsAPieceOfASmallVectorAndNoPieceIsEmpty() {
        assertEquals(4, DirectExchange.pieces(1_000, 4).slices());
        assertEquals(3, DirectExchange.pieces(3, 8).slices());
        assertEquals(1, DirectExchange.pieces(1, 1).slices());
        SliceRanges r = DirectExchange.pieces(3, 8);
        for (int p = 0; p < r.slices(); p++) {
            assertEquals(1, r.size(p));
        }
    }
}

package org.inceptionspark.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A step's measurements as a task of a multi-step job sends them: field by field, checked on arrival. */
class StepStatsTest {
    private static final StepStats STATS = new StepStats(64, 123.25, 2, List.of("hdfs://nn/data/part-3.pack#17"),
            List.of("replica 1 (executor 2 on host-a)"), List.of(1_500_000_000L, 1_400_000_000L), List.of(12L, 13L),
            List.of("replica 0 executor 2 gpu ", "replica 1 executor 2 gpu "), List.of(250_000_000L));

    @Test
    void roundTripsEveryField() {
        assertEquals(STATS, StepStats.fromBytes(STATS.toBytes()));
        StepStats empty = new StepStats(0, 0, 0, List.of(), List.of(), List.of(), List.of(), List.of(), List.of());
        assertEquals(empty, StepStats.fromBytes(empty.toBytes()));
    }

    @Test
    void truncatedOrPaddedBytesAreRefused() {
        byte[] bytes = STATS.toBytes();
        IllegalArgumentException shorter = assertThrows(IllegalArgumentException.class,
                () -> StepStats.fromBytes(Arrays.copyOf(bytes, bytes.length - 3)));
        assertTrue(shorter.getMessage().contains("cannot be read"), shorter.getMessage());
        IllegalArgumentException longer = assertThrows(IllegalArgumentException.class,
                () -> StepStats.fromBytes(Arrays.copyOf(bytes, bytes.length + 5)));
        assertTrue(longer.getMessage().contains("5 bytes after the last field"), longer.getMessage());
        byte[] huge = bytes.clone();
        // the first list's length (after images, loss and skipped: 24 bytes) claims two billion entries
        huge[24] = 0x7f;
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class, () -> StepStats.fromBytes(huge));
        assertTrue(count.getMessage().contains("entries"), count.getMessage());
    }
}

package org.inceptionspark.driver.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TaskSlotsTest {
    @Test
    void replicasPerTaskIsThePowerOfTwoThatStillFillsEverySlot() {
        assertEquals(1, TaskSlots.replicasPerTask(50, 50), "one GPU per replica: one replica per task");
        assertEquals(1, TaskSlots.replicasPerTask(2, 2));
        assertEquals(2, TaskSlots.replicasPerTask(4, 2));
        assertEquals(2, TaskSlots.replicasPerTask(5, 2), "4 would leave a slot idle while one task trains 4");
        assertEquals(4, TaskSlots.replicasPerTask(8, 2));
        assertEquals(2, TaskSlots.replicasPerTask(100, 50));
        assertEquals(1, TaskSlots.replicasPerTask(3, 4), "fewer replicas than slots");
        assertEquals(1, TaskSlots.replicasPerTask(1, 1));
    }
}

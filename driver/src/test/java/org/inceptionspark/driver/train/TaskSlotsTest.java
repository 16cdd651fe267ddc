package org.inceptionspark.driver.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
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

    /** A barrier stage's tasks all run at once: as few replicas per task as still fit the slots. */
    @Test
    void barrierTasksTakeTheSmallestPowerOfTwoThatFitsTheSlots() {
        assertEquals(1, TaskSlots.replicasPerBarrierTask(50, 50));
        assertEquals(1, TaskSlots.replicasPerBarrierTask(3, 4));
        assertEquals(2, TaskSlots.replicasPerBarrierTask(4, 2));
        assertEquals(4, TaskSlots.replicasPerBarrierTask(5, 2), "2 would make 3 tasks for 2 slots");
        assertEquals(2, TaskSlots.replicasPerBarrierTask(5, 3));
        assertEquals(4, TaskSlots.replicasPerBarrierTask(100, 25));
        assertEquals(8, TaskSlots.replicasPerBarrierTask(5, 0), "no slot yet: one task of all replicas");
    }

    /** Spark's own slot count decides; under dynamic allocation tasks stay one replica each. */
    @Test
    void slotsComeFromSparkAndDynamicAllocationKeepsOneReplicaPerTask() {
        try (JavaSparkContext sc = context(false)) {
            assertEquals(4, TaskSlots.of(sc));
            assertEquals(2, TaskSlots.replicasPerTask(sc, 8));
        }
        try (JavaSparkContext sc = context(true)) {
            assertEquals(1, TaskSlots.replicasPerTask(sc, 8));
        }
    }

    private static JavaSparkContext context(boolean dynamicAllocation) {
        return new JavaSparkContext(new SparkConf().setMaster("local[4]").setAppName("task slots")
                .set("spark.ui.enabled", "false")
                .set("spark.dynamicAllocation.enabled", String.valueOf(dynamicAllocation)));
    }
}

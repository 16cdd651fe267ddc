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

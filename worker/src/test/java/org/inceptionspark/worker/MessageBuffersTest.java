package org.inceptionspark.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/** Message arrays come back for reuse only once the Spark task that used them has completed. */
class MessageBuffersTest {
    @Test
    void arraysReturnWhenTheirTaskCompletesAndNotOutsideATask() {
        int length = 12_345;
        MessageBuffers.giveBackWhenTaskCompletes(List.of(MessageBuffers.take(length)));
        assertEquals(0, MessageBuffers.idle(length), "no task: nothing to wait for, nothing kept");
        try (JavaSparkContext sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("buffers")
                .set("spark.ui.enabled", "false"))) {
            for (int job = 0; job < 2; job++) {
                List<Integer> seen = sc.parallelize(List.of(0), 1).map(i -> {
                    float[] b = MessageBuffers.take(length);
                    int idleWhileRunning = MessageBuffers.idle(length);
                    MessageBuffers.giveBackWhenTaskCompletes(List.of(b));
                    return idleWhileRunning;
                }).collect();
                assertEquals(List.of(0), seen, "job " + job + ": the task holds the only array (the second job reuses the first's)");
                assertEquals(1, MessageBuffers.idle(length), "job " + job + ": back once the task completed (local mode: this JVM)");
            }
        }
    }
}

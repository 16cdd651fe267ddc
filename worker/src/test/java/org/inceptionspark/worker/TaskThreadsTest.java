package org.inceptionspark.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** A task's thread computes on the task's CPUs; the count is the thread's own, and capped at the JVM's. */
class TaskThreadsTest {
    @Test
    void aTaskThreadTakesItsTasksCpusAndNoOtherThreadChanges() throws Exception {
        int jvm = Nd4j.getEnvironment().maxThreads();
        assertEquals(0, TaskThreads.bindToTask(), "outside a task nothing is set");
        int mainBefore = TaskThreads.current();
        try (JavaSparkContext sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("threads")
                .set("spark.ui.enabled", "false"))) {
            List<int[]> seen = sc.parallelize(List.of(0, 1), 2).map(i -> {
                int before = TaskThreads.current();
                int set = TaskThreads.bindToTask();
                return new int[] {before, set, TaskThreads.current()};
            }).collect();
            for (int[] s : seen) {
                assertEquals(jvm, s[0], "a task thread starts with the JVM's count");
                assertEquals(1, s[1], "spark.task.cpus defaults to 1");
                assertEquals(1, s[2], "the task thread now computes on one thread");
            }
        }
        assertEquals(mainBefore, TaskThreads.current(), "the driver's thread kept its count");
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            assertEquals(jvm, other.submit(() -> {
                int capped = TaskThreads.bind(jvm + 7);
                TaskThreads.bind(1);
                return capped;
            }).get(), "never more than the JVM's own count");
            assertEquals(mainBefore, TaskThreads.current(), "setting another thread's count leaves this one alone");
        } finally {
            other.shutdownNow();
        }
    }
}

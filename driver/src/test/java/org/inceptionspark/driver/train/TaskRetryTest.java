package org.inceptionspark.driver.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.inceptionspark.driver.SparkSettings;
import org.inceptionspark.worker.FaultHooks;
import org.inceptionspark.worker.GradientSlice;
import org.inceptionspark.worker.ReplicaBlocks;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

/**
 * Retry that is checked: a replica task whose first attempt fails is retried (local[N,F], as the
 * train command starts local runs) and the run ends bit-identical to an undisturbed one; slices
 * of one replica that carry different digests are caught and named.
 */
class TaskRetryTest {
    @Test
    void failedAttemptIsRetriedAndTheRunEndsBitIdentical() {
        String master = org.inceptionspark.driver.SparkContexts.withTaskRetries("local[2]", 2);
        assertEquals("local[2,2]", master);
        try (JavaSparkContext sc = new JavaSparkContext(SparkSettings.apply(new SparkConf().setMaster(master)
                .setAppName("task-retry").set("spark.ui.enabled", "false")))) {
            AtomicInteger failedTasks = new AtomicInteger();
            sc.sc().addSparkListener(new SparkListener() {
                @Override
                public void onTaskEnd(SparkListenerTaskEnd end) {
                    if (!end.taskInfo().successful()) {
                        failedTasks.incrementAndGet();
                    }
                }
            });
            float[] undisturbed;
            try (SyncTrainer t = new SyncTrainer(sc, SyncEquivalenceTest.setup("retry-a", 4, 9, 1))) {
                for (int i = 0; i < 3; i++) {
                    t.step("undisturbed " + i);
                }
                undisturbed = t.state().params().clone();
            }
            sc.setLocalProperty(FaultHooks.FAIL_FIRST_ATTEMPT, "1/2");
            try (SyncTrainer t = new SyncTrainer(sc, SyncEquivalenceTest.setup("retry-b", 4, 9, 1))) {
                for (int i = 0; i < 3; i++) {
                    assertTrue(t.step("retried " + i).applied());
                }
                assertArrayEquals(undisturbed, t.state().params(), "a retried replica gives the same bits");
            } finally {
                sc.setLocalProperty(FaultHooks.FAIL_FIRST_ATTEMPT, null);
            }
            assertEquals(1, failedTasks.get(), "exactly the injected attempt failed");
        }
    }

    @Test
    void slicesOfOneReplicaWithDifferentDigestsAreNamed() {
        ReplicaBlocks blocks = new ReplicaBlocks(4, 2);
        List<Tuple2<Integer, GradientSlice>> parts = new ArrayList<>();
        parts.add(new Tuple2<>(0, GradientSlice.sum(new float[1], new long[] {11, 22}, new String[] {"executor 0 on a",
                "executor 1 on b"})));
        parts.add(new Tuple2<>(1, GradientSlice.sum(new float[1], new long[] {11, 22}, new String[] {"executor 0 on a",
                "executor 1 on b"})));
        assertTrue(org.inceptionspark.worker.StepExchange.disagreement(parts, blocks).isEmpty());
        parts.add(new Tuple2<>(2, GradientSlice.sum(new float[1], new long[] {11, 23}, new String[] {"executor 0 on a",
                "executor 2 on c"})));
        String d = org.inceptionspark.worker.StepExchange.disagreement(parts, blocks).orElseThrow();
        assertTrue(d.contains("replicas 2..3") && d.contains("executor 1 on b") && d.contains("executor 2 on c")
                && !d.contains("replicas 0..1"), d);
        assertEquals(GradientSlice.digest(new float[] {1f, 2f}), GradientSlice.digest(new float[] {1f, 2f}));
        assertTrue(GradientSlice.digest(new float[] {1f, 2f}) != GradientSlice.digest(new float[] {2f, 1f}));
    }
}

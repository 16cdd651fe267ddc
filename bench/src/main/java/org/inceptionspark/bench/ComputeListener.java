package org.inceptionspark.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import scala.collection.Iterator;

/**
 * Per-task updates of the engine's "replica compute ns" accumulator, with the executor that ran
 * the task: several replicas on one single-core executor run one after the other, so the step's
 * compute critical path is the busiest executor's summed replica compute, not the slowest replica.
 */
final class ComputeListener extends SparkListener {
    static final String ACCUMULATOR = "replica compute ns";

    /** One replica's compute on one executor. */
    record Sample(String executor, long nanos) {
    }

    private final List<Sample> samples = new ArrayList<>();

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        if (end.taskInfo() == null) {
            return;
        }
        Iterator<AccumulableInfo> it = end.taskInfo().accumulables().iterator();
        while (it.hasNext()) {
            AccumulableInfo a = it.next();
            if (a.name().isDefined() && ACCUMULATOR.equals(a.name().get()) && a.update().isDefined()) {
                Object u = a.update().get();
                if (u instanceof Collection<?> c) {
                    synchronized (samples) {
                        for (Object o : c) {
                            samples.add(new Sample(end.taskInfo().executorId(), ((Number) o).longValue()));
                        }
                    }
                }
            }
        }
    }

    void clear() {
        synchronized (samples) {
            samples.clear();
        }
    }

    /** Waits (the listener bus is asynchronous) until {@code n} samples arrived; returns them. */
    List<Sample> await(int n, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (true) {
            synchronized (samples) {
                if (samples.size() >= n || System.currentTimeMillis() > deadline) {
                    return new ArrayList<>(samples);
                }
            }
            Thread.sleep(10);
        }
    }

    /** Max over executors of the summed nanos. */
    static long busiestExecutor(List<Sample> samples) {
        Map<String, Long> per = new HashMap<>();
        for (Sample s : samples) {
            per.merge(s.executor(), s.nanos(), Long::sum);
        }
        return per.values().stream().mapToLong(Long::longValue).max().orElse(0);
    }
}

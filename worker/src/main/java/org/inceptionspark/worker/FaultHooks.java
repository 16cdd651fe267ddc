package org.inceptionspark.worker;

import org.apache.spark.TaskContext;

/**
 * Faults the fault tests inject into real tasks, switched on by Spark local properties the driver
 * sets for a job ({@code SparkContext.setLocalProperty}); without them nothing happens. They let a
 * test fail a task attempt or hold a stage long enough to kill an executor in it.
 */
public final class FaultHooks {
    /** {@code "step/replica"}: the first attempt of the task training that replica at that step throws. */
    public static final String FAIL_FIRST_ATTEMPT = "inception.fault.fail-first-attempt";
    /** Milliseconds each replica waits before computing. */
    public static final String REPLICA_PAUSE_MS = "inception.fault.replica-pause-ms";
    /** Milliseconds each reduce task waits before summing its slice. */
    public static final String REDUCE_PAUSE_MS = "inception.fault.reduce-pause-ms";

    private FaultHooks() {
    }

    static void atReplica(long step, int replica) {
        TaskContext t = TaskContext.get();
        if (t == null) {
            return;
        }
        String fail = t.getLocalProperty(FAIL_FIRST_ATTEMPT);
        if (fail != null && fail.equals(step + "/" + replica) && t.attemptNumber() == 0) {
            throw new IllegalStateException("fault injected (" + FAIL_FIRST_ATTEMPT + "): first attempt of replica "
                    + replica + " at step " + step);
        }
        pause(t, REPLICA_PAUSE_MS);
    }

    static void atReduce() {
        TaskContext t = TaskContext.get();
        if (t != null) {
            pause(t, REDUCE_PAUSE_MS);
        }
    }

    private static void pause(TaskContext t, String key) {
        String ms = t.getLocalProperty(key);
        if (ms == null) {
            return;
        }
        try {
            Thread.sleep(Long.parseLong(ms));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted in " + key, e);
        }
    }
}

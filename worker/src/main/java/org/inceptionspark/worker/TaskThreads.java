package org.inceptionspark.worker;

import org.apache.spark.TaskContext;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Gives the replica computed on this task's thread as many OpenMP threads as Spark gave the task
 * CPUs ({@code spark.task.cpus}), at most the JVM's own count (OMP_NUM_THREADS, else the cores).
 * Left alone, every replica's oneDNN primitives take all the JVM's threads, and replicas that run
 * at once on one executor share the cores k times over: local[2] with two replicas ran 4 threads
 * on 2 cores, and oneDNN's batch norm, whose threads meet at spin barriers, then took most of the
 * step (docs/replica-performance.md, Threads). OpenMP keeps
 * the count per thread, so this sets the calling task thread's alone; libnd4j's own thread pool
 * keeps its global count.
 */
public final class TaskThreads {
    private TaskThreads() {
    }

    /** Sets this thread's count from its Spark task; returns it, or 0 outside a task (nothing set). */
    public static int bindToTask() {
        TaskContext task = TaskContext.get();
        if (task == null) {
            return 0;
        }
        return bind(task.cpus());
    }

    /** Sets this thread's OpenMP thread count to {@code cpus}, capped at the JVM's; returns the count set. */
    public static int bind(int cpus) {
        int threads = Math.max(1, Math.min(cpus, Nd4j.getEnvironment().maxThreads()));
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
        return threads;
    }

    /** The OpenMP thread count of the calling thread. */
    public static int current() {
        return NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();
    }
}

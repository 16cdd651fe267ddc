package org.inceptionspark.worker;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.TaskContext;
import org.apache.spark.util.TaskCompletionListener;

/**
 * A JVM's gradient arrays, reused from step to step: replicas' messages, and the slices that reduce
 * tasks and the driver deserialize. A message is one float per parameter (96 MB for Inception-v3);
 * allocating one per replica and step is a humongous allocation under G1 that regularly stops the
 * task for a collection (docs/architecture.md, How gradients are combined). An array goes back
 * only once nothing reads it again: a message when its map task has completed (the shuffle writer,
 * whichever Spark chose, has written it by then), a slice once it has been summed or copied.
 */
public final class MessageBuffers {
    /**
     * Idle arrays kept per length: never more than were in use at once, and enough for a step of
     * the direct exchange, whose task holds a few dozen pieces at a time (weights from the others,
     * their parts of its gradient pieces, its own parts, sums on their way to the driver), so a
     * steady step allocates none.
     */
    static final int MAX_IDLE = 64;
    private static final Map<Integer, Deque<float[]>> IDLE = new ConcurrentHashMap<>();

    private MessageBuffers() {
    }

    /** An array of {@code length} floats with arbitrary contents (the caller overwrites all of them). */
    public static float[] take(int length) {
        Deque<float[]> idle = IDLE.computeIfAbsent(length, k -> new ArrayDeque<>());
        synchronized (idle) {
            float[] b = idle.pollFirst();
            if (b != null) {
                return b;
            }
        }
        return new float[length];
    }

    /**
     * Returns {@code buffers} when the running Spark task completes; outside a task they are
     * simply left to the garbage collector.
     */
    public static void giveBackWhenTaskCompletes(List<float[]> buffers) {
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) ctx -> buffers.forEach(MessageBuffers::giveBack));
        }
    }

    /** Hands back an array that nothing reads any more. */
    public static void giveBack(float[] buffer) {
        Deque<float[]> idle = IDLE.computeIfAbsent(buffer.length, k -> new ArrayDeque<>());
        synchronized (idle) {
            if (idle.size() < MAX_IDLE) {
                idle.addFirst(buffer);
            }
        }
    }

    /** Arrays of {@code length} waiting to be reused (tests). */
    static int idle(int length) {
        Deque<float[]> idle = IDLE.get(length);
        if (idle == null) {
            return 0;
        }
        synchronized (idle) {
            return idle.size();
        }
    }
}

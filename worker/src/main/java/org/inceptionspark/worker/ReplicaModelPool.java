package org.inceptionspark.worker;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.inceptionspark.train.Replica;

/**
 * The networks an executor JVM keeps between steps, keyed by run and by the GPU the borrowing
 * thread is bound to ({@link GpuBinding}: a network's arrays live on one device). A JVM running
 * several task slots at once (local mode, or an executor with more cores than a replica needs)
 * holds one network per concurrent replica: borrowed for a task, returned after it.
 */
public final class ReplicaModelPool {
    private static final Map<String, Deque<Replica>> IDLE = new ConcurrentHashMap<>();

    private ReplicaModelPool() {
    }

    private static String key(String runKey) {
        return runKey + DEVICE_SEPARATOR + GpuBinding.boundAddress();
    }

    private static final String DEVICE_SEPARATOR = "\u0000gpu=";

    public static Replica borrow(String runKey, String graphJson) {
        Deque<Replica> idle = IDLE.computeIfAbsent(key(runKey), k -> new ArrayDeque<>());
        synchronized (idle) {
            Replica r = idle.pollFirst();
            if (r != null) {
                return r;
            }
        }
        return Replica.build(ComputationGraphConfiguration.fromJson(graphJson));
    }

    public static void giveBack(String runKey, Replica replica) {
        Deque<Replica> idle = IDLE.computeIfAbsent(key(runKey), k -> new ArrayDeque<>());
        synchronized (idle) {
            idle.addFirst(replica);
        }
    }


    /** Drops a finished run's networks so their memory can be reclaimed. */
    public static void release(String runKey) {
        IDLE.keySet().removeIf(k -> k.startsWith(runKey + DEVICE_SEPARATOR));
    }
}

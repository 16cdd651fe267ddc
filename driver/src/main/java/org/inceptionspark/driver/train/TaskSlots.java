package org.inceptionspark.driver.train;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.resource.ResourceProfile;

/**
 * How many tasks the cluster runs at once, and so how many replicas a task should train: when
 * replicas outnumber slots, tasks queue on the slots anyway, and a task that trains several
 * replicas sums them before the shuffle, which then carries fewer gradients.
 */
public final class TaskSlots {
    private TaskSlots() {
    }

    /**
     * Concurrent tasks of the default resource profile (cores and GPUs per executor over those
     * per task, e.g. one per GPU with {@code spark.task.resource.gpu.amount=1}); local mode: its threads.
     */
    public static int of(JavaSparkContext sc) {
        ResourceProfile profile = sc.sc().resourceProfileManager().defaultResourceProfile();
        return sc.sc().maxNumConcurrentTasks(profile);
    }

    /**
     * Replicas per task for a step starting now. One while no executor has registered, and always
     * one under dynamic allocation: there the pending tasks are what makes Spark add executors, so
     * fewer, larger tasks would keep the cluster small.
     */
    public static int replicasPerTask(JavaSparkContext sc, int replicas) {
        int slots = of(sc);
        if (slots == 0 || sc.getConf().getBoolean("spark.dynamicAllocation.enabled", false)) {
            return 1;
        }
        return replicasPerTask(replicas, slots);
    }

    /**
     * Replicas per task of a barrier stage, whose tasks must all run at once: the smallest power
     * of two g with {@code ceil(replicas / g) <= slots} (all replicas in one task without slots).
     */
    public static int replicasPerBarrierTask(int replicas, int slots) {
        int g = 1;
        while ((replicas + g - 1) / g > Math.max(1, slots)) {
            g *= 2;
        }
        return g;
    }

    /**
     * The largest power of two g with {@code g x slots <= replicas} (at least 1): each slot then
     * gets a task, and a power of two keeps the blocks subtrees of the pairwise order.
     */
    public static int replicasPerTask(int replicas, int slots) {
        int perSlot = Math.max(1, replicas / Math.max(1, slots));
        return Integer.highestOneBit(perSlot);
    }
}

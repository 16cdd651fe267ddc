package org.inceptionspark.worker;

import java.util.Optional;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Binds the calling task thread to the GPU Spark assigned the task ({@code TaskContext.resources()},
 * from {@code spark.task.resource.gpu.amount}), before the task builds or uses a network: on ND4J's
 * CUDA backend each thread works on one device, and without this every replica of an executor
 * would run on device 0 whatever Spark scheduled. On the CPU backend the address is only recorded
 * (the cluster tests give CPU workers GPU addresses to check the assignment).
 */
public final class GpuBinding {
    /** Spark's resource name for GPUs. */
    public static final String RESOURCE = "gpu";
    private static final ThreadLocal<String> BOUND = new ThreadLocal<>();

    private GpuBinding() {
    }

    /** Binds this thread to its task's GPU; returns the address, or empty when the task has none. */
    public static Optional<String> bindToTask() {
        TaskContext task = TaskContext.get();
        if (task == null) {
            BOUND.remove();
            return Optional.empty();
        }
        return bind(task.resourcesJMap().get(RESOURCE), cudaBackend(), "task " + task.taskAttemptId()
                + " (stage " + task.stageId() + ", partition " + task.partitionId() + ")");
    }

    /**
     * The decision, apart from Spark: on CUDA a task must have exactly one GPU address, a device
     * number, and ND4J is pointed at it; on CPU an address is recorded if there is one.
     */
    static Optional<String> bind(ResourceInformation gpu, boolean cuda, String task) {
        String[] addresses = gpu == null ? new String[0] : gpu.addresses();
        if (addresses.length == 0) {
            BOUND.remove();
            if (cuda) {
                throw new IllegalStateException(task + " runs on ND4J's CUDA backend but Spark assigned it no GPU: set "
                        + "spark.executor.resource.gpu.amount (GPUs per executor), spark.task.resource.gpu.amount=1 "
                        + "(one per replica task) and spark.executor.resource.gpu.discoveryScript (docker/gpu-discovery.sh; "
                        + "on standalone workers spark.worker.resource.gpu.amount and .discoveryScript)");
            }
            return Optional.empty();
        }
        String address = addresses[0];
        if (cuda) {
            if (addresses.length != 1) {
                throw new IllegalStateException(task + " was assigned " + addresses.length + " GPUs " + String.join(",", addresses)
                        + " but a replica runs on one: set spark.task.resource.gpu.amount=1");
            }
            int device;
            try {
                device = Integer.parseInt(address.trim());
            } catch (NumberFormatException e) {
                throw new IllegalStateException(task + " was assigned GPU address '" + address + "', which is not a CUDA "
                        + "device number: the discovery script must print device indexes (docker/gpu-discovery.sh)", e);
            }
            Nd4j.getAffinityManager().unsafeSetDevice(device);
        }
        BOUND.set(address);
        return Optional.of(address);
    }

    /** The address this thread was bound to by its task, or "" when none. */
    public static String boundAddress() {
        String a = BOUND.get();
        return a == null ? "" : a;
    }

    static boolean cudaBackend() {
        return !Nd4j.getEnvironment().isCPU();
    }
}

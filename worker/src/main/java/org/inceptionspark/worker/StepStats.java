package org.inceptionspark.worker;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.List;

/**
 * What one task of a multi-step direct job ({@code cluster.steps-per-job}) measured in one step:
 * its share of the {@link ReplicaStepTask.Meters} and {@link ReplicaStepTask.Timers}. Spark
 * merges a task's accumulators only when the task ends, which is many steps later, so the task
 * sends each step's values to the driver itself and clears its own copies (so the merge at its end
 * adds nothing twice); the driver adds them to the same accumulators.
 */
public record StepStats(long images, double lossSum, long skippedImages, List<String> skippedFiles,
                        List<String> nonFiniteReplicas, List<Long> compute, List<Long> weights, List<String> devices,
                        List<Long> gradients) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** This task's values since the last call, which are then cleared. */
    static StepStats drain(ReplicaStepTask.Meters m, ReplicaStepTask.Timers t) {
        StepStats s = new StepStats(m.images().sum(), m.lossSum().sum(), m.skippedImages().sum(),
                List.copyOf(m.skippedFiles().value()), List.copyOf(m.nonFiniteReplicas().value()),
                List.copyOf(t.compute().value()), List.copyOf(t.weights().value()), List.copyOf(t.devices().value()),
                List.copyOf(t.gradients().value()));
        m.images().reset();
        m.lossSum().reset();
        m.skippedImages().reset();
        m.skippedFiles().reset();
        m.nonFiniteReplicas().reset();
        t.compute().reset();
        t.weights().reset();
        t.devices().reset();
        t.gradients().reset();
        return s;
    }

    /** The driver: adds these values to its accumulators. */
    public void addTo(ReplicaStepTask.Meters m, ReplicaStepTask.Timers t) {
        m.images().add(images);
        m.lossSum().add(lossSum);
        m.skippedImages().add(skippedImages);
        skippedFiles.forEach(m.skippedFiles()::add);
        nonFiniteReplicas.forEach(m.nonFiniteReplicas()::add);
        compute.forEach(t.compute()::add);
        weights.forEach(t.weights()::add);
        devices.forEach(t.devices()::add);
        gradients.forEach(t.gradients()::add);
    }

    byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(this);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialize a step's measurements", e);
        }
        return bytes.toByteArray();
    }

    static StepStats fromBytes(byte[] bytes) {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            return (StepStats) in.readObject();
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalArgumentException("a step's measurements that cannot be read: " + e.getMessage(), e);
        }
    }
}

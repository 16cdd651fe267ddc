package org.inceptionspark.worker;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
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
                        List<Long> gradients) {
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

    /** Written field by field: nothing from the network is deserialized into objects of its choosing. */
    byte[] toBytes() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeLong(images);
            out.writeDouble(lossSum);
            out.writeLong(skippedImages);
            Writer<String> text = DataOutputStream::writeUTF;
            Writer<Long> number = DataOutputStream::writeLong;
            writeList(out, skippedFiles, text);
            writeList(out, nonFiniteReplicas, text);
            writeList(out, compute, number);
            writeList(out, weights, number);
            writeList(out, devices, text);
            writeList(out, gradients, number);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a step's measurements", e);
        }
        return bytes.toByteArray();
    }

    static StepStats fromBytes(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
            Reader<String> text = i -> i.readUTF();
            Reader<Long> number = DataInputStream::readLong;
            StepStats s = new StepStats(in.readLong(), in.readDouble(), in.readLong(), readList(in, text), readList(in, text),
                    readList(in, number), readList(in, number), readList(in, text), readList(in, number));
            if (in.available() != 0) {
                throw new IOException(in.available() + " bytes after the last field");
            }
            return s;
        } catch (IOException e) {
            throw new IllegalArgumentException("a step's measurements that cannot be read: " + e.getMessage(), e);
        }
    }

    private interface Writer<T> {
        void write(DataOutputStream out, T value) throws IOException;
    }

    private interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    private static <T> void writeList(DataOutputStream out, List<T> values, Writer<T> element) throws IOException {
        out.writeInt(values.size());
        for (T v : values) {
            element.write(out, v);
        }
    }

    private static <T> List<T> readList(DataInputStream in, Reader<T> element) throws IOException {
        int n = count(in);
        List<T> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            values.add(element.read(in));
        }
        return List.copyOf(values);
    }

    /** A list's length, refused when the message could not hold that many entries. */
    private static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new IOException("a list of " + n + " entries in a message with " + in.available() + " bytes left");
        }
        return n;
    }
}

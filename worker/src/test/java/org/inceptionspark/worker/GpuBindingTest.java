package org.inceptionspark.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;

/** The binding decision for both backends; the assignment itself is GpuBindingOnClusterIT's. */
class GpuBindingTest {
    @Test
    void onCudaATaskWithoutAGpuFailsSayingWhatToSet() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> GpuBinding.bind(null, true, "task 7"));
        assertTrue(e.getMessage().contains("task 7 runs on ND4J's CUDA backend but Spark assigned it no GPU"), e.getMessage());
        assertTrue(e.getMessage().contains("spark.task.resource.gpu.amount=1"), e.getMessage());
        assertTrue(e.getMessage().contains("spark.executor.resource.gpu.discoveryScript"), e.getMessage());
        IllegalStateException two = assertThrows(IllegalStateException.class, () -> GpuBinding.bind(
                new ResourceInformation("gpu", new String[] {"0", "1"}), true, "task 8"));
        assertTrue(two.getMessage().contains("set spark.task.resource.gpu.amount=1"), two.getMessage());
        IllegalStateException name = assertThrows(IllegalStateException.class, () -> GpuBinding.bind(
                new ResourceInformation("gpu", new String[] {"GPU-5f3c"}), true, "task 9"));
        assertTrue(name.getMessage().contains("not a CUDA device number"), name.getMessage());
    }

    @Test
    void onCpuAnAddressIsRecordedAndNoneIsFine() {
        assertEquals(Optional.of("1"), GpuBinding.bind(new ResourceInformation("gpu", new String[] {"1"}), false, "task 1"));
        assertEquals("1", GpuBinding.boundAddress());
        assertEquals(Optional.empty(), GpuBinding.bind(null, false, "task 2"));
        assertEquals("", GpuBinding.boundAddress());
        assertTrue(!GpuBinding.cudaBackend(), "the build's backend here is the CPU one");
    }
}

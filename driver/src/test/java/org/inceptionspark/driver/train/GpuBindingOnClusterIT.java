package org.inceptionspark.driver.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Gauge;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.metrics.source.Source;
import org.inceptionspark.driver.SparkSettings;
import org.inceptionspark.driver.cluster.StandaloneCluster;
import org.inceptionspark.driver.data.TestData;
import org.inceptionspark.driver.metrics.MetricsPlugin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.collection.JavaConverters;

/**
 * GPU assignment on a real standalone cluster: two workers that each advertise GPUs "0" and "1"
 * through docker/gpu-discovery.sh (this machine has no GPU: the addresses are handed to the
 * script), executors of 2 cores and 2 GPUs, one GPU per task. Every replica task binds to the
 * address Spark gave it and reports it; two replicas on one executor never share one.
 */
class GpuBindingOnClusterIT {
    private static StandaloneCluster cluster;
    private static JavaSparkContext sc;

    @BeforeAll
    static void start() throws Exception {
        cluster = StandaloneCluster.startWithGpus(2, 2, "3g", List.of("0", "1"),
                TestData.repoRoot().resolve("docker/gpu-discovery.sh"));
        sc = new JavaSparkContext(SparkSettings.apply(cluster.conf("gpu-binding", 4, "1g")
                .set("spark.executor.cores", "2")
                .set("spark.executor.resource.gpu.amount", "2")
                .set("spark.task.resource.gpu.amount", "1")));
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void everyReplicaRunsOnTheGpuSparkAssignedAndNoTwoShareOne() throws Exception {
        assertEquals(2, ExecutorCount.await(sc, 2, Duration.ofSeconds(120)), "two executors must register; logs in "
                + cluster.logs());
        try (SyncTrainer trainer = new SyncTrainer(sc, SyncEquivalenceTest.setup("gpu-binding", 4, 3, 1))) {
            Set<String> executors = new HashSet<>();
            for (int step = 0; step < 2; step++) {
                assertTrue(trainer.step("step " + step).applied());
                List<String> devices = trainer.lastReplicaDevices();
                assertEquals(4, devices.size(), "one report per replica: " + devices);
                Map<String, Set<String>> gpusByExecutor = new HashMap<>();
                Set<Integer> replicas = new HashSet<>();
                for (String d : devices) {
                    String[] f = d.split(" ");
                    assertEquals(6, f.length, "replica R executor E gpu A, with an address: " + d);
                    replicas.add(Integer.parseInt(f[1]));
                    assertTrue(Set.of("0", "1").contains(f[5]), "an address the worker advertised: " + d);
                    assertTrue(gpusByExecutor.computeIfAbsent(f[3], e -> new HashSet<>()).add(f[5]),
                            "two replicas of step " + step + " on executor " + f[3] + " got the same GPU: " + devices);
                }
                assertEquals(Set.of(0, 1, 2, 3), replicas);
                executors.addAll(gpusByExecutor.keySet());
            }
            assertEquals(2, executors.size(), "replicas ran on both executors");
            // the metrics plugin's executor side reports each executor's replica figures to the driver
            Map<String, Gauge> gauges = new HashMap<>();
            for (Source source : JavaConverters.seqAsJavaListConverter(sc.env().metricsSystem()
                    .getSourcesByName("plugin." + MetricsPlugin.class.getName())).asJava()) {
                gauges.putAll(source.metricRegistry().getGauges());
            }
            for (String executor : executors) {
                Gauge<?> compute = gauges.get("executor." + executor + ".replicaComputeSeconds");
                assertTrue(compute != null && ((Double) compute.getValue()) > 0,
                        "executor " + executor + "'s replica compute time reached the driver: " + gauges.keySet());
            }
        }
    }
}

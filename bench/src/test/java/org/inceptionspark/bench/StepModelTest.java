package org.inceptionspark.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.inceptionspark.config.ClusterConfig;
import org.inceptionspark.train.GradientMessage;
import org.junit.jupiter.api.Test;

class StepModelTest {
    private static final long P = 23_869_000L;
    private static final StepModel.Costs COSTS = new StepModel.Costs(2.0, 6.0, 10.0, 0.5, 4.0, 100.0, StepModel.Costs.TASK_MS);

    @Test
    void partsFollowTheEnginesByteCounts() {
        StepModel m = new StepModel(P, COSTS);
        StepModel.Projection p = m.project(4, 4, 100, Double.POSITIVE_INFINITY, 32);
        double w = 4.0 * P;
        double g = 4.0 * GradientMessage.length(P);
        assertEquals(1, p.replicasPerTask());
        assertEquals(100, p.partsMs().get(StepModel.COMPUTE), 1e-9);
        assertEquals(w * 2.0 / 1e6, p.partsMs().get(StepModel.BROADCAST), 1e-6);
        assertEquals(w * 6.0 / 1e6, p.partsMs().get(StepModel.WEIGHT_FETCH), 1e-6);
        assertEquals(g * 10.0 / 1e6, p.partsMs().get(StepModel.GRADIENT), 1e-6);
        assertEquals(P * 4.0 / 1e6, p.partsMs().get(StepModel.UPDATE), 1e-6);
        assertEquals(2 * 100.0 + 8 * StepModel.Costs.TASK_MS, p.partsMs().get(StepModel.SCHEDULING), 1e-9);
        assertEquals(p.stepMs() - 100, p.overheadMs(), 1e-9);
        assertEquals(4 * 32 / (p.stepMs() / 1e3), p.imagesPerSecond(), 1e-6);
        assertEquals(100 / p.stepMs(), p.scalingEfficiency(), 1e-12);
        assertEquals(StepModel.IMAGENET_TRAIN_IMAGES / p.imagesPerSecond(), p.epochSeconds(), 1e-6);
        assertEquals(StepModel.GRADIENT, p.limitingPart());
    }

    @Test
    void driverBytesAreFlatInReplicasSoOnlySchedulingGrows() {
        StepModel m = new StepModel(P, COSTS);
        StepModel.Projection two = m.project(2, 2, 120, 25, 32);
        StepModel.Projection fifty = m.project(50, 50, 120, 25, 32);
        for (String part : new String[] {StepModel.BROADCAST, StepModel.WEIGHT_FETCH, StepModel.UPDATE}) {
            assertEquals(two.partsMs().get(part), fifty.partsMs().get(part), 1e-9, part);
        }
        // the reduce-scatter's wire share grows from 1/2 to 49/50 of a message
        double bytesPerMs = 25e9 / 8 / 1e3;
        double g = 4.0 * GradientMessage.length(P);
        assertEquals(g * (49.0 / 50 - 1.0 / 2) / bytesPerMs,
                fifty.partsMs().get(StepModel.GRADIENT) - two.partsMs().get(StepModel.GRADIENT), 1e-6);
        assertEquals(2 * 100.0 + 100 * StepModel.Costs.TASK_MS, fifty.partsMs().get(StepModel.SCHEDULING), 1e-9);
    }

    @Test
    void fewerSlotsThanReplicasTrainSeveralPerTaskAndSumThem() {
        StepModel m = new StepModel(P, COSTS);
        StepModel.Projection p = m.project(4, 2, 100, Double.POSITIVE_INFINITY, 32);
        assertEquals(2, p.replicasPerTask());
        assertEquals(2, p.blocks());
        assertEquals(200, p.partsMs().get(StepModel.COMPUTE), 1e-9);
        double g = 4.0 * GradientMessage.length(P);
        assertEquals(g * 10.0 / 1e6 + g * 0.5 / 1e6, p.partsMs().get(StepModel.GRADIENT), 1e-6);
        assertEquals(2 * 100.0 + 6 * StepModel.Costs.TASK_MS, p.partsMs().get(StepModel.SCHEDULING), 1e-9);
        // a replica computes 100 ms, but only 2 run at once: efficiency counts against 4 alone
        assertEquals(100 / p.stepMs(), p.scalingEfficiency(), 1e-12);
    }

    @Test
    void calibratingFromAProjectedStepGivesItsCostsBack() {
        StepModel m = new StepModel(P, COSTS);
        StepModel.Projection p = m.project(2, 2, 300, Double.POSITIVE_INFINITY, 32);
        double fetch = p.partsMs().get(StepModel.WEIGHT_FETCH);
        double scheduling = p.partsMs().get(StepModel.SCHEDULING);
        // the Spark job holds the weight fetch, the compute, the gradient path and the tasks
        double job = fetch + 300 + p.partsMs().get(StepModel.GRADIENT) + scheduling;
        StepModel.Costs back = StepModel.calibrate(ClusterConfig.Exchange.SPARK, P, 2, 1, p.partsMs().get(StepModel.BROADCAST),
                fetch, 300, job, p.partsMs().get(StepModel.UPDATE), COSTS.stageMs() + 2 * COSTS.taskMs(), COSTS.sumNsPerByte());
        assertEquals(COSTS.broadcastNsPerByte(), back.broadcastNsPerByte(), 1e-9);
        assertEquals(COSTS.fetchNsPerByte(), back.fetchNsPerByte(), 1e-9);
        assertEquals(COSTS.gradientNsPerByte(), back.gradientNsPerByte(), 1e-9);
        assertEquals(COSTS.updateNsPerParameter(), back.updateNsPerParameter(), 1e-9);
        assertEquals(COSTS.stageMs(), back.stageMs(), 1e-9);
        assertEquals(COSTS.taskMs(), back.taskMs(), 1e-9);
    }

    @Test
    void theDirectExchangeRunsOneStageOfItsTasksAndMovesTheSameBytes() {
        StepModel spark = new StepModel(P, COSTS);
        StepModel direct = new StepModel(P, COSTS, ClusterConfig.Exchange.DIRECT);
        StepModel.Projection s = spark.project(50, 25, 120, 25, 32);
        StepModel.Projection d = direct.project(50, 25, 120, 25, 32);
        assertEquals(2, d.replicasPerTask());
        assertEquals(25, d.blocks());
        assertEquals(s.partsMs().get(StepModel.BROADCAST), d.partsMs().get(StepModel.PUBLISH), 1e-9);
        assertEquals(s.partsMs().get(StepModel.WEIGHT_FETCH), d.partsMs().get(StepModel.WEIGHT_GATHER), 1e-9);
        assertEquals(s.partsMs().get(StepModel.GRADIENT), d.partsMs().get(StepModel.GRADIENT), 1e-9);
        assertNull(d.partsMs().get(StepModel.BROADCAST));
        // one barrier stage of 25 tasks, against a map stage of 25 and a reduce stage of 50
        assertEquals(100.0 + 25 * StepModel.Costs.TASK_MS, d.partsMs().get(StepModel.SCHEDULING), 1e-9);
        assertEquals(2 * 100.0 + 75 * StepModel.Costs.TASK_MS, s.partsMs().get(StepModel.SCHEDULING), 1e-9);
    }

    @Test
    void severalStepsPerJobShareOneJobsScheduling() {
        StepModel.Projection one = new StepModel(P, COSTS, ClusterConfig.Exchange.DIRECT).project(50, 50, 120, 25, 32);
        StepModel.Projection eight = new StepModel(P, COSTS, ClusterConfig.Exchange.DIRECT, 8).project(50, 50, 120, 25, 32);
        assertEquals(one.partsMs().get(StepModel.SCHEDULING) / 8, eight.partsMs().get(StepModel.SCHEDULING), 1e-9);
        assertEquals(one.partsMs().get(StepModel.WEIGHT_GATHER), eight.partsMs().get(StepModel.WEIGHT_GATHER), 1e-9);
        assertTrue(eight.stepMs() < one.stepMs());
        IllegalArgumentException spark = assertThrows(IllegalArgumentException.class,
                () -> new StepModel(P, COSTS, ClusterConfig.Exchange.SPARK, 8));
        assertTrue(spark.getMessage().contains("direct"), spark.getMessage());
    }

    @Test
    void bfloat16HalvesTheWireTimeNotTheCpuCosts() {
        StepModel f32 = new StepModel(P, COSTS, ClusterConfig.Exchange.DIRECT, 1);
        StepModel bf16 = new StepModel(P, COSTS, ClusterConfig.Exchange.DIRECT, 1, ClusterConfig.Precision.BFLOAT16);
        assertEquals(f32.weightBytes() / 2, bf16.weightBytes());
        assertEquals(f32.messageBytes() / 2, bf16.messageBytes());
        // on loopback (no wire) the two project the same step: the conversion costs what the bytes save
        assertEquals(f32.project(4, 2, 300, Double.POSITIVE_INFINITY, 32).stepMs(),
                bf16.project(4, 2, 300, Double.POSITIVE_INFINITY, 32).stepMs(), 1e-9);
        StepModel.Projection a = f32.project(50, 50, 120, 25, 32);
        StepModel.Projection b = bf16.project(50, 50, 120, 25, 32);
        double bytesPerMs = 25e9 / 8 / 1e3;
        assertEquals(a.partsMs().get(StepModel.WEIGHT_GATHER) - f32.weightBytes() / 2.0 / bytesPerMs,
                b.partsMs().get(StepModel.WEIGHT_GATHER), 1e-9);
        assertTrue(b.partsMs().get(StepModel.GRADIENT) < a.partsMs().get(StepModel.GRADIENT));
        assertEquals(a.partsMs().get(StepModel.PUBLISH), b.partsMs().get(StepModel.PUBLISH), 1e-9);
        IllegalArgumentException spark = assertThrows(IllegalArgumentException.class,
                () -> new StepModel(P, COSTS, ClusterConfig.Exchange.SPARK, 1, ClusterConfig.Precision.BFLOAT16));
        assertTrue(spark.getMessage().contains("direct"), spark.getMessage());
    }

    @Test
    void calibratingADirectStepGivesItsCostsBack() {
        StepModel m = new StepModel(P, COSTS, ClusterConfig.Exchange.DIRECT);
        StepModel.Projection p = m.project(4, 2, 300, Double.POSITIVE_INFINITY, 32);
        double gather = p.partsMs().get(StepModel.WEIGHT_GATHER);
        double job = gather + 2 * 300 + p.partsMs().get(StepModel.GRADIENT) + p.partsMs().get(StepModel.SCHEDULING);
        StepModel.Costs back = StepModel.calibrate(ClusterConfig.Exchange.DIRECT, P, 4, 2, p.partsMs().get(StepModel.PUBLISH),
                gather, 2 * 300, job, p.partsMs().get(StepModel.UPDATE), COSTS.stageMs() + 4 * COSTS.taskMs(),
                COSTS.sumNsPerByte());
        assertEquals(COSTS.broadcastNsPerByte(), back.broadcastNsPerByte(), 1e-9);
        assertEquals(COSTS.fetchNsPerByte(), back.fetchNsPerByte(), 1e-9);
        assertEquals(COSTS.gradientNsPerByte(), back.gradientNsPerByte(), 1e-9);
        assertEquals(COSTS.stageMs(), back.stageMs(), 1e-9);
        assertSame(StepModel.Costs.DIRECT_DEFAULTS, StepModel.Costs.defaults(ClusterConfig.Exchange.DIRECT));
        assertSame(StepModel.Costs.DEFAULTS, StepModel.Costs.defaults(ClusterConfig.Exchange.SPARK));
    }

    @Test
    void aFasterNetworkNeverSlowsAStep() {
        StepModel m = new StepModel(P, StepModel.Costs.DEFAULTS);
        double slow = m.project(50, 50, 50, 10, 32).stepMs();
        double fast = m.project(50, 50, 50, 100, 32).stepMs();
        double none = m.project(50, 50, 50, Double.POSITIVE_INFINITY, 32).stepMs();
        assertTrue(slow > fast && fast > none, slow + " > " + fast + " > " + none);
    }

    @Test
    void badInputIsNamed() {
        StepModel m = new StepModel(P, COSTS);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> m.project(0, 1, 1, 1, 32)).getMessage()
                .contains("replicas"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> m.project(1, 1, 1, 0, 32)).getMessage()
                .contains("network"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new StepModel(0, COSTS)).getMessage()
                .contains("parameters"));
    }
}

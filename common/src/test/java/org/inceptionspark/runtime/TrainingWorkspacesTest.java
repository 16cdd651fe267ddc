package org.inceptionspark.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.inceptionspark.config.ModelConfig;
import org.inceptionspark.model.ModelZoo;
import org.inceptionspark.optim.ParameterLayout;
import org.inceptionspark.train.GradientMessage;
import org.inceptionspark.train.Replica;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The activation workspace sized before a thread's first step: DL4J's estimate covers what the
 * steps keep (the workspace never grows, while one sized too small does), and the gradients are
 * the bits DL4J's own size-learning gives. The gradient workspaces are sized after the first step
 * ({@link TrainingWorkspaces#endLearning}, which {@link Replica#gradient} calls), again without a
 * bit changed. Each case runs on a fresh thread, because workspaces are per thread.
 */
class TrainingWorkspacesTest {
    private static final ModelConfig SPEC = ModelConfig.paper(ModelConfig.INCEPTION_V3, 5).with("input-size", 79).with("width-multiplier", 0.1);

    @Test
    void firstStepFitsThePresizedWorkspaceAndGivesTheSameBits() throws Exception {
        ComputationGraphConfiguration conf = ModelZoo.build(SPEC, 3);
        float[][] presized = onFreshThread(() -> {
            ComputationGraph g = ModelZoo.instantiate(conf.clone());
            INDArray x = images();
            long bytes = TrainingWorkspaces.presizeActivations(g, x);
            assertTrue(bytes > 0, "sized from DL4J's estimate");
            long size = workspace().getCurrentSize();
            assertEquals(bytes * 1.05, size, 0.01 * bytes, "DL4J's over-allocation of 5%");
            assertEquals(0, TrainingWorkspaces.presizeActivations(g, x), "a thread's workspace is sized once");
            float[] first = step(g, x);
            float[] second = step(g, x);
            assertEquals(size, workspace().getCurrentSize(), "the estimate covered both steps: the workspace never grew");
            return new float[][] {first, second};
        });
        float[][] learned = onFreshThread(() -> {
            // DL4J's own start: an empty workspace that learns its size from the first step
            Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(TrainingWorkspaces.config(0),
                    TrainingWorkspaces.ID);
            ComputationGraph g = ModelZoo.instantiate(conf.clone());
            INDArray x = images();
            return new float[][] {step(g, x), step(g, x)};
        });
        assertArrayEquals(learned[0], presized[0], "first step");
        assertArrayEquals(learned[1], presized[1], "second step");
    }

    @Test
    void gradientWorkspacesAreSizedAfterTheFirstStepAndChangeNoBit() throws Exception {
        ComputationGraphConfiguration conf = ModelZoo.build(SPEC, 3);
        float[][] learned = onFreshThread(() -> {
            ComputationGraph g = ModelZoo.instantiate(conf.clone());
            INDArray x = images();
            float[] first = dl4jStep(g, x);
            assertEquals(0, gradientWorkspaceBytes(), "DL4J has not sized its gradient workspaces after one step");
            return new float[][] {first, dl4jStep(g, x), dl4jStep(g, x)};
        });
        float[][] ended = onFreshThread(() -> {
            ComputationGraph g = ModelZoo.instantiate(conf.clone());
            INDArray x = images();
            float[] first = dl4jStep(g, x);
            assertTrue(TrainingWorkspaces.endLearning() > 0, "allocated what the first step held");
            long sized = gradientWorkspaceBytes();
            assertTrue(sized > 0, "the gradient workspaces are sized");
            for (MemoryWorkspace ws : Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
                assertTrue(ws.getCurrentSize() >= ws.getMaxCycleAllocations(), ws.getId() + " holds its largest cycle");
            }
            assertEquals(0, TrainingWorkspaces.endLearning(), "a second call has nothing to do");
            float[] second = dl4jStep(g, x);
            float[] third = dl4jStep(g, x);
            assertEquals(sized, gradientWorkspaceBytes(), "the later steps fit: no gradient workspace grew");
            return new float[][] {first, second, third};
        });
        for (int i = 0; i < learned.length; i++) {
            assertArrayEquals(learned[i], ended[i], "step " + i);
        }
        long afterReplicaStep = onFreshThread(() -> {
            step(ModelZoo.instantiate(conf.clone()), images());
            return gradientWorkspaceBytes();
        });
        assertTrue(afterReplicaStep > 0, "a replica's gradient ends the learning after its step");
    }

    @Test
    void aWorkspaceSizedTooSmallGrows() throws Exception {
        ComputationGraphConfiguration conf = ModelZoo.build(SPEC, 3);
        long[] sizes = onFreshThread(() -> {
            ComputationGraph g = ModelZoo.instantiate(conf);
            INDArray x = images();
            long estimate = TrainingWorkspaces.presizeActivations(ModelZoo.instantiate(conf.clone()), x);
            Nd4j.getWorkspaceManager().destroyWorkspace(workspace());
            Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(TrainingWorkspaces.config(estimate / 2),
                    TrainingWorkspaces.ID);
            long before = workspace().getCurrentSize();
            step(g, x);
            step(g, x);
            return new long[] {before, workspace().getCurrentSize()};
        });
        assertTrue(sizes[1] > sizes[0], "a short estimate is grown by DL4J's policies: " + sizes[0] + " -> " + sizes[1]);
    }

    @Test
    void leavesNetworksWithoutWorkspacesAlone() throws Exception {
        ComputationGraphConfiguration conf = ModelZoo.build(SPEC, 3);
        conf.setTrainingWorkspaceMode(WorkspaceMode.NONE);
        long bytes = onFreshThread(() -> TrainingWorkspaces.presizeActivations(ModelZoo.instantiate(conf), images()));
        assertEquals(0, bytes);
    }

    private static MemoryWorkspace workspace() {
        return Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(TrainingWorkspaces.ID);
    }

    /** Bytes held by this thread's activation-gradient workspaces (DL4J's WS_LAYER_ACT_i). */
    private static long gradientWorkspaceBytes() {
        long bytes = 0;
        for (MemoryWorkspace ws : Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
            if (ws.getId().startsWith("WS_LAYER_ACT_")) {
                bytes += ws.getCurrentSize();
            }
        }
        return bytes;
    }

    /** A DL4J training step of the same network and data, with DL4J's own workspace sizing. */
    private static float[] dl4jStep(ComputationGraph g, INDArray x) {
        INDArray[] targets = new INDArray[g.getNumOutputArrays()];
        Arrays.fill(targets, Replica.smoothedTargets(LABELS, 5, 0.1));
        g.setInputs(x);
        g.setLabels(targets);
        Nd4j.getRandom().setSeed(9);
        g.computeGradientAndScore();
        float[] out = g.getFlattenedGradients().dup().data().asFloat();
        g.clearLayersStates();
        return out;
    }

    private static final int[] LABELS = {0, 1, 2, 4};

    private static float[] step(ComputationGraph g, INDArray x) {
        ParameterLayout layout = ParameterLayout.of(g);
        float[] out = new float[GradientMessage.length(layout.length())];
        new Replica(g).gradient(new Replica.Objective(5, 0.1, true), x, LABELS, 9, out);
        return out;
    }

    private static INDArray images() {
        Nd4j.getRandom().setSeed(5);
        return Nd4j.rand(DataType.FLOAT, 4, 3, 79, 79);
    }

    private static <T> T onFreshThread(Callable<T> task) throws Exception {
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            return thread.submit(task).get();
        } finally {
            thread.shutdownNow();
        }
    }
}

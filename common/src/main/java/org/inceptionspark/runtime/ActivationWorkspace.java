package org.inceptionspark.runtime;

import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.MemoryType;
import org.deeplearning4j.nn.conf.memory.MemoryUseMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.memory.MemoryWorkspaceManager;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sizes DL4J's activation workspace before a thread's first training step, instead of letting
 * DL4J learn its size from that step.
 *
 * <p>A ComputationGraph keeps the activations of a training step (those the backward pass reads)
 * in a per-thread workspace whose size it learns: its first step allocates every activation
 * outside the workspace, and at the step's end the workspace is allocated beside them. For
 * Inception-v3 at 299x299, batch 32, that first step peaked at 6.1-8.7 GB against 5.7-5.8 GB for
 * every later one ({@code bench replica}). DL4J takes the workspace it finds on the thread under
 * its id, so creating it first, with DL4J's own policies and the size of DL4J's own activation
 * estimate for the configuration and this input, lets the first step run like the others. The
 * policies still grow it (spill, then reallocate) should the estimate fall short.
 */
public final class ActivationWorkspace {
    /** ComputationGraph's name for it (ComputationGraph.WS_ALL_LAYERS_ACT). */
    public static final String ID = "WS_ALL_LAYERS_ACT";

    /** DL4J's over-allocation for it (ComputationGraph.WS_ALL_LAYERS_ACT_CONFIG). */
    private static final double OVERALLOCATION = 0.05;

    private static final Logger LOG = LoggerFactory.getLogger(ActivationWorkspace.class);

    private ActivationWorkspace() {
    }

    /**
     * Creates this thread's activation workspace for training {@code graph} on NCHW
     * {@code features}, unless the thread has one already or the graph trains without workspaces.
     * Returns the bytes it was sized to, 0 when nothing was done.
     */
    public static long presize(ComputationGraph graph, INDArray features) {
        ComputationGraphConfiguration conf = graph.getConfiguration();
        MemoryWorkspaceManager workspaces = Nd4j.getWorkspaceManager();
        if (conf.getTrainingWorkspaceMode() == WorkspaceMode.NONE || features.rank() != 4
                || conf.getNetworkInputs().size() != 1 || workspaces.checkIfWorkspaceExists(ID)) {
            return 0;
        }
        long bytes;
        try {
            InputType in = InputType.convolutional(features.size(2), features.size(3), features.size(1));
            CacheMode cache = conf.getCacheMode() == null ? CacheMode.NONE : conf.getCacheMode();
            bytes = conf.getMemoryReport(in).getMemoryBytes(MemoryType.ACTIVATIONS, (int) features.size(0),
                    MemoryUseMode.TRAINING, cache, features.dataType());
        } catch (RuntimeException e) {
            LOG.warn("no activation estimate for this network ({}): DL4J learns the workspace size from the first step", e.toString());
            return 0;
        }
        if (bytes <= 0) {
            return 0;
        }
        workspaces.getWorkspaceForCurrentThread(config(bytes), ID);
        return bytes;
    }

    /** DL4J's configuration of the workspace (initial size 0: learned from the first step), sized. */
    static WorkspaceConfiguration config(long initialBytes) {
        return WorkspaceConfiguration.builder()
                .initialSize(initialBytes)
                .overallocationLimit(OVERALLOCATION)
                .policyAllocation(AllocationPolicy.OVERALLOCATE)
                .policyLearning(LearningPolicy.FIRST_LOOP)
                .policyReset(ResetPolicy.BLOCK_LEFT)
                .policySpill(SpillPolicy.REALLOCATE)
                .build();
    }
}

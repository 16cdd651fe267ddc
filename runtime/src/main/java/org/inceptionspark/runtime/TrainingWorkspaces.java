package org.inceptionspark.runtime;

import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.MemoryType;
import org.deeplearning4j.nn.conf.memory.MemoryUseMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
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
 * Sizes the workspaces DL4J trains in on a thread, instead of letting DL4J learn their sizes over
 * the first steps: the activation workspace before the first step ({@link #presizeActivations}),
 * the others from what the first step held ({@link #endLearning}).
 *
 * <p>A ComputationGraph keeps the activations of a training step (those the backward pass reads)
 * in a per-thread workspace whose size it learns: its first step allocates every activation
 * outside the workspace, and at the step's end the workspace is allocated beside them, so that
 * first step peaked well above every later one (docs/replica-performance.md, Workspaces and
 * memory). DL4J takes the workspace it finds on the thread under
 * its id, so creating it first, with DL4J's own policies and the size of DL4J's own activation
 * estimate for the configuration and this input, lets the first step run like the others. The
 * policies still grow it (spill, then reallocate) should the estimate fall short.
 */
public final class TrainingWorkspaces {
    /** ComputationGraph's name for it (ComputationGraph.WS_ALL_LAYERS_ACT). */
    public static final String ID = "WS_ALL_LAYERS_ACT";

    /** DL4J's over-allocation for it (ComputationGraph.WS_ALL_LAYERS_ACT_CONFIG). */
    private static final double OVERALLOCATION = 0.05;

    private static final Logger LOG = LoggerFactory.getLogger(TrainingWorkspaces.class);

    private TrainingWorkspaces() {
    }

    /**
     * Creates this thread's activation workspace for training {@code graph} on NCHW
     * {@code features}, unless the thread has one already or the graph trains without workspaces.
     * Returns the bytes it was sized to, 0 when nothing was done.
     */
    public static long presizeActivations(ComputationGraph graph, INDArray features) {
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

    /**
     * Ends DL4J's size learning of this thread's workspaces at the end of a training step: each
     * closed workspace that learns over time is allocated now at the most it held in one cycle so
     * far. The backward pass keeps its activation gradients in workspaces DL4J sizes only after as
     * many cycles as the graph has vertices (each gradient workspace is opened by a few dozen
     * vertices per step, so after five or six steps at Inception-v3's size); until then every
     * gradient is allocated outside them and given back, and this project's VMs charge dearly for
     * memory touched afresh, so those steps ran slower for the same peak
     * (docs/replica-performance.md, Workspaces and memory).
     * One step opens every workspace with the sizes every later step needs, so the sizes are
     * DL4J's own, only reached after the first step. A workspace that has not yet been opened, or
     * that learns otherwise, is left alone. Returns the bytes allocated.
     */
    public static long endLearning() {
        long allocated = 0;
        for (MemoryWorkspace ws : Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
            WorkspaceConfiguration c = ws.getWorkspaceConfiguration();
            if (c.getPolicyLearning() == LearningPolicy.OVER_TIME && c.getPolicySpill() == SpillPolicy.REALLOCATE
                    && !ws.isScopeActive() && ws.getMaxCycleAllocations() > ws.getCurrentSize()) {
                long before = ws.getCurrentSize();
                ws.initializeWorkspace();
                allocated += ws.getCurrentSize() - before;
            }
        }
        return allocated;
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

package org.inceptionspark.runtime;

import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.WeakHashMap;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.inceptionspark.runtime.PrimitiveArena.Role;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CPU layers that run on oneDNN 2.5 directly ({@link OneDnnConvolution},
 * {@link OneDnnPooling}, {@link OneDnnBatchNorm}) instead of through libnd4j: installing them under a network's layers,
 * and preparing their primitives and buffers for a batch shape before the first step.
 * {@code -Dinception.onednn=libnd4j} keeps DL4J's own oneDNN helpers (benchmarks against them).
 */
public final class OneDnnLayers {
    /** System property choosing the path: {@code direct} (default) or {@code libnd4j}. */
    public static final String PROPERTY = "inception.onednn";

    private static final Logger LOG = LoggerFactory.getLogger(OneDnnLayers.class);

    /** The input shape each graph's plans and buffers were last prepared for. */
    private static final Map<ComputationGraph, long[]> PREPARED = new WeakHashMap<>();

    private OneDnnLayers() {
    }

    /** Whether this JVM's layers take this path: a CPU backend, the property, and oneDNN's presets load. */
    public static boolean enabled() {
        return Nd4j.getEnvironment().isCPU() && !"libnd4j".equalsIgnoreCase(System.getProperty(PROPERTY, "direct"))
                && boundaryIntact() && Library.LOADED;
    }

    /**
     * Whether DL4J and ND4J have every field, method and class the layers rely on
     * ({@link Dl4jBoundary}); checked once per JVM, and where they do not, one warning says why
     * and DL4J's own path runs.
     */
    public static boolean boundaryIntact() {
        return Boundary.INTACT;
    }

    /**
     * Puts {@link OneDnnConvolution}, {@link OneDnnPooling} and {@link OneDnnBatchNorm} under every
     * layer of {@code graph} that has DL4J's oneDNN helper; returns how many. Layers without it (helpers off, a GPU
     * backend) are left alone.
     */
    static int install(ComputationGraph graph) {
        if (!enabled()) {
            return 0;
        }
        DataType dataType = graph.getConfiguration().getDataType();
        Field convHelper = helperField(ConvolutionLayer.class);
        Field poolHelper = helperField(SubsamplingLayer.class);
        Field bnHelper = helperField(BatchNormalization.class);
        int n = 0;
        for (Layer layer : graph.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            try {
                if (layer instanceof ConvolutionLayer conv && conv.getHelper() != null
                        && conv.getHelper().getClass() == MKLDNNConvHelper.class) {
                    convHelper.set(conv, new OneDnnConvolution(dataType, name));
                    n++;
                } else if (layer instanceof BatchNormalization bn && bn.getHelper() != null
                        && bn.getHelper().getClass() == MKLDNNBatchNormHelper.class) {
                    bnHelper.set(bn, new OneDnnBatchNorm(dataType, bn instanceof RectifyingBatchNorm.Layer, name));
                    n++;
                } else if (layer instanceof SubsamplingLayer pool && pool.getHelper() != null
                        && pool.getHelper().getClass() == MKLDNNSubsamplingHelper.class) {
                    poolHelper.set(pool, new OneDnnPooling(dataType, name));
                    n++;
                }
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("cannot set the helper of layer " + layer.getIndex(), e);
            }
        }
        return n;
    }

    /**
     * Builds the plans of every convolution, pooling and batch norm of {@code graph} for a batch shaped like
     * {@code features} and grows the pooled buffers to their largest need in one go: grown role
     * by role as the first step met larger layers, each outgrown buffer stayed behind in the
     * allocator and raised that step's peak above the later ones' (docs/replica-performance.md,
     * Workspaces and memory). Does nothing once done for a graph and shape.
     */
    public static void prepare(ComputationGraph graph, INDArray features) {
        if (!enabled() || features.rank() != 4) {
            return;
        }
        long[] shape = features.shape();
        synchronized (PREPARED) {
            if (Arrays.equals(PREPARED.get(graph), shape)) {
                return;
            }
            PREPARED.put(graph, shape);
        }
        ComputationGraphConfiguration conf = graph.getConfiguration();
        InputType networkInput = InputType.convolutional(shape[2], shape[3], shape[1]);
        Map<String, InputType> types;
        try {
            types = conf.getLayerActivationTypes(networkInput);
        } catch (RuntimeException e) {
            LOG.debug("no activation types for this network ({}); oneDNN's buffers grow as the layers run", e.toString());
            return;
        }
        Map<Role, Long> needs = new EnumMap<>(Role.class);
        for (Layer layer : graph.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            List<String> inputs = conf.getVertexInputs().get(name);
            InputType in = inputs == null || inputs.size() != 1 ? null
                    : conf.getNetworkInputs().contains(inputs.get(0)) ? networkInput : types.get(inputs.get(0));
            if (!(in instanceof InputType.InputTypeConvolutional c) || c.getFormat() != CNN2DFormat.NCHW) {
                continue;
            }
            Map<Role, Long> layerNeeds = needs(layer, shape[0], c);
            if (layerNeeds != null) {
                layerNeeds.forEach((role, bytes) -> needs.merge(role, bytes, Math::max));
            }
        }
        PrimitiveArena.reserve(needs);
    }

    private static Map<Role, Long> needs(Layer layer, long batch, InputType.InputTypeConvolutional in) {
        int h = (int) in.getHeight();
        int w = (int) in.getWidth();
        if (layer instanceof ConvolutionLayer conv && conv.getHelper() instanceof OneDnnConvolution helper
                && layer.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer lc
                && lc.getCnn2dDataFormat() == CNN2DFormat.NCHW) {
            ConvolutionPlan plan = helper.plan(batch, in.getChannels(), h, w, lc.getNOut(), lc.hasBias(),
                    lc.getKernelSize(), lc.getStride(), lc.getPadding(), lc.getConvolutionMode(), lc.getDilation());
            return plan == null ? null : plan.needs();
        }
        if (layer instanceof SubsamplingLayer pool && pool.getHelper() instanceof OneDnnPooling helper
                && layer.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.SubsamplingLayer lc
                && lc.getCnn2dDataFormat() == CNN2DFormat.NCHW && lc.getDilation()[0] == 1
                && lc.getDilation()[1] == 1) {
            PoolingPlan plan = helper.plan(batch, in.getChannels(), h, w, lc.getKernelSize(), lc.getStride(),
                    lc.getPadding(), lc.getPoolingType(), lc.getConvolutionMode(), lc.getDilation());
            return plan == null ? null : plan.needs();
        }
        if (layer instanceof BatchNormalization bn && bn.getHelper() instanceof OneDnnBatchNorm helper
                && layer.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization lc) {
            BatchNormPlan plan = helper.plan(batch, in.getChannels(), h, w, lc.getEps());
            return plan == null ? null : plan.needs();
        }
        return null;
    }

    /** Native bytes the oneDNN layers of this JVM keep for operands, scratchpads and workspaces. */
    public static long heldBytes() {
        return Library.LOADED ? PrimitiveArena.heldBytes() : 0;
    }

    /** Buffer checks made before primitive executions in this JVM so far (benchmarks report their cost). */
    public static long bufferChecks() {
        return Library.LOADED ? Dnnl.checks() : 0;
    }

    /** Nanoseconds one buffer check costs on this machine, measured on the spot. */
    public static double bufferCheckNanos() {
        return Library.LOADED ? Dnnl.nanosPerCheck() : 0;
    }

    /** Bytes per buffer role of the idle arenas, for benchmarks and logs. */
    public static String describeBuffers() {
        if (!Library.LOADED) {
            return "none";
        }
        StringBuilder b = new StringBuilder();
        PrimitiveArena.pooledBytesByRole().forEach((role, bytes) -> b.append(b.length() == 0 ? "" : " ")
                .append(role.name().toLowerCase(Locale.ROOT)).append('=')
                .append(String.format(Locale.ROOT, "%.3f", bytes / 1e9)));
        return b.length() == 0 ? "none" : b + " GB";
    }

    /** Row-major and gap-free; a dimension of size 1 may carry any stride (ND4J's views often do). */
    static boolean isDense(INDArray a) {
        long expected = 1;
        for (int d = a.rank() - 1; d >= 0; d--) {
            if (a.size(d) != 1 && a.stride(d) != expected) {
                return false;
            }
            expected *= a.size(d);
        }
        return true;
    }

    static INDArray contiguous(INDArray a) {
        return isDense(a) ? a : a.dup('c');
    }

    private static Field helperField(Class<?> layerClass) {
        try {
            Field f = layerClass.getDeclaredField("helper");
            f.setAccessible(true);
            return f;
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("DL4J's " + layerClass.getSimpleName()
                    + " has no 'helper' field: another DL4J version?", e);
        }
    }

    private static final class Boundary {
        static final boolean INTACT = check();

        private static boolean check() {
            List<String> problems = Dl4jBoundary.problems();
            if (!problems.isEmpty()) {
                LOG.warn("oneDNN layers off, DL4J's own path runs (slower, same results): {}",
                        String.join("; ", problems));
            }
            return problems.isEmpty();
        }
    }

    /** Loads oneDNN's presets once; a JVM where they do not load keeps DL4J's helpers. */
    private static final class Library {
        static final boolean LOADED = load();

        private static boolean load() {
            try {
                Dnnl.engine();
                return true;
            } catch (Throwable e) {
                LOG.warn("oneDNN's JavaCPP presets did not load ({}); layers stay on DL4J's oneDNN helpers",
                        e.toString());
                return false;
            }
        }
    }
}

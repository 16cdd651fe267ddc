package org.inceptionspark.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.LayerHelper;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ND4J's native runtime in every JVM that builds a network (driver, executors, tests, benchmarks):
 * {@link #build}, the one way a network of this project is built, sets the process up before it
 * constructs the network, and the rest of this class reports what the process actually runs.
 *
 * <p>DL4J 1.0.0-M2.1 creates a layer's helper when the layer object is constructed
 * ({@code ComputationGraph.init()}), reading the system property {@value #HELPERS_DISABLE}
 * (default {@code true}: helpers off). So the property must be set before the first network is
 * built, and it must be the same for every network whose results are compared bit for bit: a
 * network built before it would compute other bits. {@link #build} therefore sets it (once, when
 * unset) in the same call that constructs the network. It is also a JVM flag in
 * {@code conf/jvm.properties} (which Surefire, bin/ and the spark-defaults template share, so the JVM
 * has it from its first instruction); a value given explicitly is never overridden, so
 * {@code -D...helpers.disable=true} still turns the helpers off.
 *
 * <p>The same first call checks the native allocator, which can only be chosen before the process
 * starts: jemalloc ({@value #JEMALLOC}, options {@link #JEMALLOC_CONF}) where it is installed, and
 * glibc's malloc told to back native buffers with huge pages ({@value #MALLOC_HUGE_PAGES})
 * otherwise; it warns when either is missing.
 *
 * <p>The helpers also need the class shim {@link org.nd4j.nativeblas.Nd4jCpu} (stale lookup in
 * DL4J) and a libnd4j binary built with oneDNN ({@code nd4j.classifier=linux-x86_64-onednn-avx2},
 * the default of the build).
 */
public final class NativeRuntime {
    /** DL4J's system property (DL4JSystemProperties.DISABLE_HELPER_PROPERTY). */
    public static final String HELPERS_DISABLE = "org.eclipse.deeplearning4j.helpers.disable";

    /** The environment variable glibc reads its tunables from, once, when the process starts. */
    public static final String GLIBC_TUNABLES = "GLIBC_TUNABLES";

    /**
     * glibc (2.35 and later) then advises transparent huge pages on the memory malloc maps. libnd4j
     * and oneDNN take fresh buffers from malloc for every op (reorders, temporaries); large ones
     * are mmap'd and unmapped again, so each step faults its scratch memory in anew, and 4 KB
     * faults cost far more than 2 MB ones on a VM (docs/replica-performance.md, The allocator).
     */
    public static final String MALLOC_HUGE_PAGES = "glibc.malloc.hugetlb=1";

    /** The dynamic loader's preload list: how jemalloc replaces glibc's malloc in a process it starts. */
    public static final String LD_PRELOAD = "LD_PRELOAD";

    /** jemalloc's options, read once when the process starts. */
    public static final String MALLOC_CONF = "MALLOC_CONF";

    /** jemalloc's soname: the loader finds it in the system's library path (Debian/Ubuntu: libjemalloc2). */
    public static final String JEMALLOC = "libjemalloc.so.2";

    /**
     * jemalloc as ND4J's and oneDNN's allocator: glibc's heap keeps the holes between differently
     * sized per-op buffers, and the activations DL4J allocates outside its workspace in a network's
     * first step, resident for good; jemalloc's size classes reuse them and its decay returns them
     * (docs/replica-performance.md, The allocator). Each option:
     * {@code thp:always} advises huge pages on its mappings (what glibc.malloc.hugetlb=1 does for
     * glibc: 4 KB page faults made every op's fresh buffer slow on the VM measured);
     * {@code oversize_threshold:0} keeps requests above 8 MiB in the ordinary arenas: jemalloc 5.1+
     * otherwise serves them from an arena that unmaps them on free, so each op faulted its large
     * buffers in anew; {@code background_thread:true} returns freed
     * memory from a background thread instead of inside the allocating op.
     */
    public static final String JEMALLOC_CONF = "thp:always,metadata_thp:auto,oversize_threshold:0,background_thread:true";

    private static final Logger LOG = LoggerFactory.getLogger(NativeRuntime.class);

    private static volatile boolean configured;

    private NativeRuntime() {
    }

    /** Which layers a network built by {@link #build} computes with. */
    public enum Layers {
        /**
         * oneDNN's own primitives under every convolution, pooling and batch norm that has DL4J's
         * oneDNN helper ({@link OneDnnLayers}; off with {@code -Dinception.onednn=libnd4j}), batch
         * norm's backward pass by {@link BatchNormBackprop} where they leave it to DL4J's helper, and
         * the configuration's cache mode on every layer ({@code init()} applies it to the graph's
         * workspaces only, and a layer left at none recomputes its forward output in the backward
         * pass): the networks that train.
         */
        ONEDNN,
        /** DL4J's own layers, with its oneDNN helpers where they are on: evaluation, export, layouts. */
        DL4J
    }

    /**
     * The network of {@code conf}, initialised: from the configuration's seed when {@code params}
     * is null, otherwise on {@code params} itself (a row vector the graph keeps as its parameters,
     * not a copy). Sets the process up first ({@value #HELPERS_DISABLE}, the DL4J boundary check,
     * the allocator warnings; once per JVM), so no network of the process is built before that.
     */
    public static ComputationGraph build(ComputationGraphConfiguration conf, INDArray params, Layers layers) {
        configure();
        ComputationGraph graph = new ComputationGraph(conf);
        if (params == null) {
            graph.init();
        } else {
            graph.init(params, false);
        }
        if (layers == Layers.ONEDNN) {
            graph.setCacheMode(conf.getCacheMode());
            // oneDNN's own layers first; BatchNormBackprop then takes the batch norms they leave to DL4J's helper
            OneDnnLayers.install(graph);
            BatchNormBackprop.install(graph);
        }
        return graph;
    }

    /** Idempotent; {@link #build} calls it before it constructs a network (tests that compare with DL4J's own path too). */
    static void configure() {
        if (configured) {
            return;
        }
        synchronized (NativeRuntime.class) {
            if (!configured) {
                if (System.getProperty(HELPERS_DISABLE) == null) {
                    System.setProperty(HELPERS_DISABLE, "false");
                }
                // DL4J's internals the oneDNN layers rely on, checked (and any difference logged) at start-up
                OneDnnLayers.boundaryIntact();
                // Huge pages for glibc's malloc matter only when glibc's malloc serves the buffers.
                if ("glibc".equals(mallocImplementation())) {
                    LOG.warn("native allocator is glibc's malloc: a 299x299 replica peaked at 8.5 GB with it, against"
                            + " 5.7-6.0 GB with jemalloc, and stepped 1.3x slower (docs/replica-performance.md). Install"
                            + " jemalloc (Debian/Ubuntu: libjemalloc2) and start this JVM with {}={} {}={}"
                            + " (bin/inception-spark does when it finds the library; executors get it from"
                            + " spark.executorEnv).", LD_PRELOAD, JEMALLOC, MALLOC_CONF, JEMALLOC_CONF);
                    if (!mallocHugePages() && !"never".equals(transparentHugePages())) {
                        LOG.warn("{} is {}: native buffers (ND4J, oneDNN) are faulted in 4 KB pages, which made a"
                                + " 299x299 training step 2.5x slower on the machine measured (docs/replica-performance.md)."
                                + " Start this JVM with {}={} (bin/inception-spark does; executors get it from"
                                + " spark.executorEnv.{}).", GLIBC_TUNABLES, System.getenv(GLIBC_TUNABLES) == null
                                ? "not set" : "'" + System.getenv(GLIBC_TUNABLES) + "'", GLIBC_TUNABLES,
                                MALLOC_HUGE_PAGES, GLIBC_TUNABLES);
                    }
                }
                configured = true;
            }
        }
    }

    /** True when this process's malloc was started with huge pages advised ({@value #MALLOC_HUGE_PAGES} or =2). */
    public static boolean mallocHugePages() {
        return tunablesAskHugePages(System.getenv(GLIBC_TUNABLES));
    }

    static boolean tunablesAskHugePages(String tunables) {
        if (tunables == null) {
            return false;
        }
        for (String t : tunables.split(":")) {
            String v = t.trim();
            if (v.equals("glibc.malloc.hugetlb=1") || v.equals("glibc.malloc.hugetlb=2")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The value executors get for {@value #GLIBC_TUNABLES}: this JVM's own when it has one that asks
     * for huge pages (so a user's other tunables travel too), otherwise {@value #MALLOC_HUGE_PAGES}.
     */
    public static String executorTunables() {
        String own = System.getenv(GLIBC_TUNABLES);
        return tunablesAskHugePages(own) ? own : MALLOC_HUGE_PAGES;
    }

    /**
     * The environment executors are started with, for the process's native allocator: the values
     * of this JVM where it has them (so a user's own options travel), the defaults otherwise.
     */
    public static Map<String, String> executorEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(GLIBC_TUNABLES, executorTunables());
        String preload = System.getenv(LD_PRELOAD);
        env.put(LD_PRELOAD, preload != null && preload.contains("jemalloc") ? preload : JEMALLOC);
        String conf = System.getenv(MALLOC_CONF);
        env.put(MALLOC_CONF, conf != null && !conf.isBlank() ? conf : JEMALLOC_CONF);
        return env;
    }

    /** "jemalloc" when this process mapped it (LD_PRELOAD), "glibc" otherwise on Linux, "?" elsewhere. */
    public static String mallocImplementation() {
        List<String> files = mappedFiles();
        if (files == null) {
            return "?";
        }
        return files.stream().anyMatch(f -> f.contains("libjemalloc")) ? "jemalloc" : "glibc";
    }

    /** The files this process has mapped (/proc/self/maps), or null where that cannot be read. */
    private static List<String> mappedFiles() {
        try {
            List<String> files = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int i = line.indexOf('/');
                if (i >= 0) {
                    files.add(line.substring(i));
                }
            }
            return files;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The kernel's transparent-huge-page mode (always, madvise or never), or "?" where unknown. */
    public static String transparentHugePages() {
        try {
            String s = Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"));
            int a = s.indexOf('[');
            int b = s.indexOf(']');
            return a >= 0 && b > a ? s.substring(a + 1, b) : "?";
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    /** True when DL4J will create oneDNN helpers for layers built from now on. */
    public static boolean helpersEnabled() {
        return !Boolean.parseBoolean(System.getProperty(HELPERS_DISABLE, "true"));
    }

    /** libnd4j's own answer: the loaded binary has oneDNN and uses it. */
    public static boolean oneDnnAvailable() {
        return org.nd4j.nativeblas.Nd4jCpu.Environment.getInstance().isUseMKLDNN();
    }

    /** The libnd4j shared object this process mapped (JavaCPP's choice of classifier), or "?". */
    public static String nativeLibrary() {
        Nd4j.getBackend();
        List<String> files = mappedFiles();
        if (files == null) {
            return "?";
        }
        return files.stream().filter(f -> f.endsWith("libnd4jcpu.so") || f.contains("libnd4jcuda")).findFirst()
                .orElse("?");
    }

    /** Layer helpers in a built network, by helper class (simple name), and the layers without one. */
    public static Map<String, Integer> helperCounts(ComputationGraph graph) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Layer layer : graph.getLayers()) {
            LayerHelper h = layer.getHelper();
            if (h != null) {
                counts.merge(h.getClass().getSimpleName(), 1, Integer::sum);
            }
        }
        return counts;
    }

    /** One line for logs: backend, binary, oneDNN, helpers, threads. */
    public static String describe() {
        List<String> parts = new ArrayList<>();
        String backend = Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend");
        parts.add("backend=" + backend);
        String lib = nativeLibrary();
        int cut = lib.indexOf("/org/nd4j/");
        parts.add("library=" + (cut >= 0 ? lib.substring(cut + 1) : lib));
        parts.add("onednn=" + oneDnnAvailable());
        parts.add("helpers=" + (helpersEnabled() ? "on" : "off"));
        parts.add("onednn-layers=" + (helpersEnabled() && oneDnnAvailable() && OneDnnLayers.enabled() ? "direct"
                : OneDnnLayers.boundaryIntact() ? "dl4j" : "dl4j(boundary)"));
        parts.add("threads=" + Nd4j.getEnvironment().maxMasterThreads() + "/" + Nd4j.getEnvironment().maxThreads());
        parts.add("OMP_NUM_THREADS=" + System.getenv("OMP_NUM_THREADS"));
        parts.add("malloc=" + mallocImplementation());
        parts.add("malloc-hugepages=" + (mallocHugePages() ? "on" : "off") + " thp=" + transparentHugePages());
        return String.join(" ", parts);
    }
}

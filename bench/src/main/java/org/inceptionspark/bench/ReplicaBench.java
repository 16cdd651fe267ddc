package org.inceptionspark.bench;

import org.inceptionspark.driver.commands.Command;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.inceptionspark.config.ConfigLoader;
import org.inceptionspark.driver.cli.CliArgs;
import org.inceptionspark.driver.cli.ResultLine;
import org.inceptionspark.config.ModelConfig;
import org.inceptionspark.model.ModelSummary;
import org.inceptionspark.model.ModelZoo;
import org.inceptionspark.runtime.NativeRuntime;
import org.inceptionspark.runtime.OneDnnLayers;
import org.inceptionspark.train.GradientMessage;
import org.inceptionspark.train.Replica;
import org.inceptionspark.worker.ReplicaModelPool;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.profiler.OpProfiler;

/**
 * {@code bench replica [--model inception_v3|googlenet|vgg_a..vgg_e] [--size 299|151|79] [--width W] [--batch 32]
 * [--steps K] [--profile]}:
 * one replica's training step through the product path (network built by {@link ReplicaModelPool}
 * from the configuration's JSON, forward + backward by {@link Replica#gradient}), against
 * ND4J's sgemm measured in the same JVM just before and just after the steps.
 *
 * <p>Achieved FLOP/s = multiply-adds per image (the zoo's own count, auxiliary head included when
 * present) x 2 x 3 (forward + two backward products) x batch / step time. The ratio to sgemm is the
 * efficiency the issue asks about; peak memory is the JVM heap's pools, the native part of the
 * resident set (sampled every 50 ms) and the process's VmHWM.
 */
public final class ReplicaBench implements Command {

    /**
     * --profile: one more (untimed) step with ND4J's op profiler on, then its table of time per
     * op kind, to see which kinds of layer the step's time goes to.
     */
    private static void profileOneStep(Replica replica, INDArray features, int[] labels, int classes,
                                       long seed, float[] out) {
        OpProfiler.getInstance().reset();
        Nd4j.getExecutioner().setProfilingMode(OpExecutioner.ProfilingMode.OPERATIONS);
        try {
            replica.gradient(new Replica.Objective(classes, 0.1, true), features, labels, seed, out);
        } finally {
            Nd4j.getExecutioner().setProfilingMode(OpExecutioner.ProfilingMode.DISABLED);
        }
        OpProfiler.getInstance().printOutDashboard();
    }

    public static int main(String[] argv) throws Exception {
        return new ReplicaBench().run(argv);
    }

    @Override
    public int run(String[] argv) throws Exception {
        CliArgs args = CliArgs.parse(argv, Set.of("model", "size", "width", "batch", "steps", "warmup", "classes",
                "aux", "bn-scale", "workspace", "cache", "sgemm-n", "seed"), Set.of("gc", "profile"));
        // --gc: System.gc() after every step, to tell native memory held only by unreachable Java
        // wrappers (freed when the GC runs) from memory the step really needs.
        boolean gcEachStep = args.flag("gc");
        String model = args.option("model").orElse("inception_v3");
        int classes = args.intOption("classes", 1000);
        ModelConfig paper = ModelConfig.paper(model, classes);
        boolean inception = model.equals("inception_v3");
        int size = args.intOption("size", paper.inputSize());
        double width = args.doubleOption("width", 1.0);
        if (!inception && (width != 1.0 || args.option("bn-scale").isPresent())) {
            throw new IllegalArgumentException("bench replica: --width and --bn-scale apply to inception_v3 only"
                    + " (got --model " + model + ")");
        }
        int batch = args.intOption("batch", 32);
        int steps = args.intOption("steps", 3);
        int warmup = args.intOption("warmup", 1);
        int sgemmN = args.intOption("sgemm-n", 2048);
        long seed = args.intOption("seed", 7);
        boolean aux = Boolean.parseBoolean(args.option("aux").orElse(String.valueOf(paper.auxHead())));
        boolean bnScale = Boolean.parseBoolean(args.option("bn-scale").orElse("false"));

        ModelConfig spec = paper.with("input-size", size).with("width-multiplier", width).with("aux-head", aux).with("batch-norm.scale", bnScale);
        ModelSummary summary = ModelZoo.summarize(spec);
        ComputationGraphConfiguration conf = ModelZoo.build(spec, seed);
        args.option("workspace").ifPresent(w -> {
            WorkspaceMode m = WorkspaceMode.valueOf(w.toUpperCase(Locale.ROOT));
            conf.setTrainingWorkspaceMode(m);
            conf.setInferenceWorkspaceMode(m);
        });
        // the product's cache mode (inception.model.cache-mode) unless --cache says otherwise
        conf.setCacheMode(args.option("cache").map(c -> CacheMode.valueOf(c.toUpperCase(Locale.ROOT)))
                .orElse(ConfigLoader.defaults().model().cacheMode()));

        MemorySampler sampler = new MemorySampler();
        sampler.start();

        System.out.printf(Locale.ROOT, "model: %s size=%d width=%s classes=%d aux=%s bn-scale=%s batch=%d"
                        + " params=%,d multiply-adds/image=%,d workspace=%s cache=%s%n",
                model, size, width, classes, aux, bnScale, batch, summary.trainableParameters(),
                summary.multiplyAdds(), conf.getTrainingWorkspaceMode(), conf.getCacheMode());

        double sgemmBefore = sgemmGflops(sgemmN);
        String runKey = "bench-replica-" + System.nanoTime();
        long t0 = System.nanoTime();
        Replica replica = ReplicaModelPool.borrow(runKey, conf.toJson());
        // after the first network: building it is what sets the runtime up
        System.out.println("runtime: " + NativeRuntime.describe());
        System.out.printf(Locale.ROOT, "built in %.1f s; layer helpers: %s%n", (System.nanoTime() - t0) / 1e9,
                NativeRuntime.helperCounts(replica.graph()));

        SplittableRandom rnd = new SplittableRandom(seed);
        float[] pixels = new float[batch * 3 * size * size];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        INDArray features = Nd4j.create(pixels, new long[] {batch, 3, size, size}, 'c').castTo(DataType.FLOAT);
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = rnd.nextInt(classes);
        }
        float[] out = new float[GradientMessage.length(replica.layout().length())];

        double[] times = new double[steps];
        long checksBefore = 0;
        // The process's peak before the steps (model, sgemm); each step then resets the kernel's
        // peak counter, so that every line shows that step's own peak resident size.
        double peakOfSteps = rssGb("VmHWM");
        double peakAfterWarmup = 0;
        for (int s = -warmup; s < steps; s++) {
            boolean perStepPeak = resetPeakRss();
            if (s == 0) {
                checksBefore = OneDnnLayers.bufferChecks();
            }
            long a = System.nanoTime();
            replica.gradient(new Replica.Objective(classes, 0.1, true), features, labels, seed + s, out);
            double dt = (System.nanoTime() - a) / 1e9;
            double stepPeak = rssGb("VmHWM");
            peakOfSteps = Math.max(peakOfSteps, stepPeak);
            if (gcEachStep) {
                System.gc();
            }
            System.out.printf(Locale.ROOT, "%s %d: %.2f s loss=%.4f rss=%.2f GB%s%n", s < 0 ? "warmup" : "step",
                    s < 0 ? s + warmup : s, dt, out[(int) replica.layout().length() + GradientMessage.LOSS],
                    rssGb("VmRSS"), perStepPeak ? String.format(Locale.ROOT, " step-peak=%.2f GB", stepPeak) : "");
            if (s >= 0) {
                times[s] = dt;
                peakAfterWarmup = Math.max(peakAfterWarmup, stepPeak);
            }
        }
        System.out.println("workspaces after the steps: " + workspaceSizes());
        long checksPerStep = (OneDnnLayers.bufferChecks() - checksBefore) / Math.max(1, steps);
        System.out.printf(Locale.ROOT, "oneDNN layers' buffers (operands, scratchpads, workspaces; kept): %.2f GB: %s%n",
                OneDnnLayers.heldBytes() / 1e9, OneDnnLayers.describeBuffers());
        if (args.flag("profile")) {
            profileOneStep(replica, features, labels, classes, seed, out);
        }
        double sgemmAfter = sgemmGflops(sgemmN);
        sampler.stop();
        ReplicaModelPool.release(runKey);

        double[] sorted = times.clone();
        Arrays.sort(sorted);
        double stepS = sorted[sorted.length / 2];
        double flops = summary.multiplyAdds() * 2.0 * 3.0 * batch;
        double gflops = flops / stepS / 1e9;
        double sgemm = Math.max(sgemmBefore, sgemmAfter);
        double efficiency = gflops / sgemm;
        double rss = Math.max(peakOfSteps, rssGb("VmHWM"));
        System.out.printf(Locale.ROOT, "step: median %.3f s (min %.3f, max %.3f, %d steps); %.2f images/s%n",
                stepS, sorted[0], sorted[sorted.length - 1], steps, batch / stepS);
        double checkNanos = OneDnnLayers.bufferCheckNanos();
        System.out.printf(Locale.ROOT, "oneDNN buffer checks: %,d per step at %.0f ns each = %.3f ms, %.4f%% of the"
                + " step%n", checksPerStep, checkNanos, checksPerStep * checkNanos / 1e6,
                checksPerStep * checkNanos / 1e9 / stepS * 100);
        System.out.printf(Locale.ROOT, "achieved: %.1f GFLOP/s (%.1f GFLOP per step); sgemm n=%d: %.1f before,"
                + " %.1f after GFLOP/s; ratio %.3f%n", gflops, flops / 1e9, sgemmN, sgemmBefore, sgemmAfter, efficiency);
        // The warm-up step is where a network's first-use costs land (oneDNN primitives, the
        // activation workspace), so the peak of the later steps is printed beside the whole run's.
        System.out.printf(Locale.ROOT, "peak memory: heap used %.2f GB, off-heap (RSS - committed heap) %.2f GB,"
                        + " RSS (VmHWM) %.2f GB; steps after warm-up %.2f GB%n",
                peakHeapBytes() / 1e9, sampler.peak() / 1e9, rss, peakAfterWarmup);
        ResultLine.print(System.out, "efficiency=%.4f step_s=%.3f peak_rss_gb=%.2f", efficiency, stepS, rss);
        return 0;
    }

    /** Best of a few n x n float GEMMs (2 n^3 FLOPs each) through ND4J's BLAS. */
    static double sgemmGflops(int n) {
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray c = Nd4j.create(DataType.FLOAT, n, n);
        Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
        double best = 0;
        for (int i = 0; i < 5; i++) {
            long t = System.nanoTime();
            Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
            c.getFloat(0);
            double s = (System.nanoTime() - t) / 1e9;
            best = Math.max(best, 2.0 * n * (double) n * n / s / 1e9);
        }
        a.close();
        b.close();
        c.close();
        return best;
    }

    /**
     * DL4J's workspaces on this thread (activations kept for the backward pass, gradients, working
     * memory) and their sizes: the part of the off-heap peak that lives from step to step.
     */
    static String workspaceSizes() {
        StringBuilder sb = new StringBuilder();
        long total = 0;
        for (MemoryWorkspace ws : Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
            long bytes = ws.getCurrentSize();
            total += bytes;
            sb.append(String.format(Locale.ROOT, "%s=%.2f GB ", ws.getId(), bytes / 1e9));
        }
        return sb.append(String.format(Locale.ROOT, "(total %.2f GB)", total / 1e9)).toString();
    }

    /**
     * Resets the kernel's peak resident size of this process (VmHWM), so that the next reading is
     * the peak of one step; false where /proc/self/clear_refs cannot be written.
     */
    static boolean resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    static long peakHeapBytes() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    /** A field of /proc/self/status (VmRSS, VmHWM) in GB, or NaN off Linux. */
    static double rssGb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    String[] p = line.substring(field.length() + 1).trim().split("\\s+");
                    return Long.parseLong(p[0]) * 1024.0 / 1e9;
                }
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }

    /**
     * Peak native memory: max over samples of (VmRSS - committed Java heap). ND4J's CPU buffers and
     * workspaces are allocated by libnd4j, outside JavaCPP's byte counters (Pointer.totalBytes()
     * stays 0), so the process's own resident size is the honest measure.
     */
    private static final class MemorySampler implements Runnable {
        private final AtomicLong peak = new AtomicLong();
        private volatile boolean running = true;
        private Thread thread;

        void start() {
            thread = new Thread(this, "bench-memory-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void run() {
            while (running) {
                sample();
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join();
            sample();
        }

        private void sample() {
            double rss = rssGb("VmRSS");
            if (!Double.isNaN(rss)) {
                long nativeBytes = (long) (rss * 1e9) - Runtime.getRuntime().totalMemory();
                peak.accumulateAndGet(nativeBytes, Math::max);
            }
        }

        long peak() {
            return peak.get();
        }
    }
}

package org.inceptionspark.bench;

import org.inceptionspark.driver.commands.Command;

import org.inceptionspark.config.ConfigLoader;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.inceptionspark.config.AugmentConfig;
import org.inceptionspark.image.ImageDecoder;
import org.inceptionspark.image.Preprocessor;
import org.inceptionspark.image.RgbImage;
import org.inceptionspark.image.SplitMix64;
import org.inceptionspark.driver.cli.CliArgs;
import org.inceptionspark.driver.cli.ResultLine;

/**
 * {@code bench input [--seconds S] [--size N] [--images K] [--threads T]}: decode + training
 * augmentation throughput on ImageNet-sized JPEGs (500x375, quality 90, about ImageNet's average
 * file size) that it draws itself. Measures one thread (= one core) and, with --threads, the
 * scaling over several. Rates are per second of the worker threads' own CPU time, so a shared,
 * overloaded machine does not understate what a dedicated core does (wall-clock rates are printed
 * too); the RESULT line is the single-thread figure.
 */
public final class InputBench implements Command {

    @Override
    public int run(String[] argv) throws Exception {
        CliArgs args = CliArgs.parse(argv, Set.of("seconds", "size", "images", "threads"), Set.of());
        double seconds = args.doubleOption("seconds", 10);
        int size = args.intOption("size", 299);
        int count = args.intOption("images", 64);
        int threads = args.intOption("threads", 1);
        List<byte[]> jpegs = new ArrayList<>();
        long bytes = 0;
        for (int i = 0; i < count; i++) {
            byte[] j = drawJpeg(500, 375, i);
            jpegs.add(j);
            bytes += j.length;
        }
        System.out.printf("bench input: %d JPEGs of 500x375, mean %d KB, output %dx%d, %.0f s per measurement%n",
                count, bytes / count / 1024, size, size, seconds);
        Preprocessor pre = new Preprocessor(ConfigLoader.defaults().augment());
        measure(jpegs, pre, size, 1, Math.min(2.0, seconds / 2), false); // JIT warm-up
        Rate decodeOnly = measure(jpegs, pre, size, 1, seconds / 2, true);
        Rate full = measure(jpegs, pre, size, 1, seconds, false);
        double perCore = full.perCpuSecond();
        System.out.printf("decode only, 1 thread:        %.1f images/CPU-s (wall %.1f images/s)%n",
                decodeOnly.perCpuSecond(), decodeOnly.perWallSecond());
        System.out.printf("decode + augment, 1 thread:   %.1f images/CPU-s, %.2f ms per image (wall %.1f images/s)%n",
                perCore, 1000 / perCore, full.perWallSecond());
        if (threads > 1) {
            Rate multi = measure(jpegs, pre, size, threads, seconds, false);
            System.out.printf("decode + augment, %d threads: %.1f images/CPU-s per thread (wall %.1f images/s in all)%n",
                    threads, multi.perCpuSecond(), multi.perWallSecond());
        }
        System.out.printf("cores per GPU replica at 1500 images/s: %.1f%n", 1500 / perCore);
        ResultLine.print(System.out, "images_per_s_per_core=%.1f", perCore);
        return 0;
    }

    /** Images per second of worker-thread CPU time and per second of wall-clock time. */
    record Rate(double perCpuSecond, double perWallSecond) {
    }

    private static Rate measure(List<byte[]> jpegs, Preprocessor pre, int size, int threads, double seconds,
                                boolean decodeOnly) throws InterruptedException {
        AtomicLong done = new AtomicLong();
        AtomicLong cpuNanos = new AtomicLong();
        var mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        List<Thread> workers = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            int offset = t;
            Thread th = new Thread(() -> {
                long cpu0 = mx.getCurrentThreadCpuTime();
                float[] out = new float[3 * size * size];
                long n = offset;
                while (System.nanoTime() < deadline) {
                    try {
                        RgbImage img = ImageDecoder.decode(jpegs.get((int) (n % jpegs.size())));
                        if (!decodeOnly) {
                            pre.train(img, 1, 0, n, size, out, 0);
                        }
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                    n++;
                    done.incrementAndGet();
                }
                cpuNanos.addAndGet(mx.getCurrentThreadCpuTime() - cpu0);
            });
            workers.add(th);
            th.start();
        }
        for (Thread th : workers) {
            th.join();
        }
        double wall = (System.nanoTime() - start) / 1e9;
        return new Rate(done.get() / (cpuNanos.get() / 1e9), done.get() / wall);
    }

    /** A photo-like picture: gradient sky, soft shapes, fine texture, so JPEG has real work to do. */
    static byte[] drawJpeg(int w, int h, int seed) throws IOException {
        SplitMix64 rng = new SplitMix64(seed);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setPaint(new GradientPaint(0, 0, randomColor(rng), w, h, randomColor(rng)));
        g.fillRect(0, 0, w, h);
        for (int i = 0; i < 40; i++) {
            g.setColor(new Color(rng.nextInt(256), rng.nextInt(256), rng.nextInt(256), 60 + rng.nextInt(150)));
            int x = rng.nextInt(w);
            int y = rng.nextInt(h);
            if (rng.nextBoolean()) {
                g.fillOval(x - 40, y - 30, 20 + rng.nextInt(160), 20 + rng.nextInt(120));
            } else {
                g.setStroke(new BasicStroke(1 + rng.nextInt(6)));
                g.drawLine(x, y, rng.nextInt(w), rng.nextInt(h));
            }
        }
        g.dispose();
        byte[] px = ((java.awt.image.DataBufferByte) img.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < px.length; i++) {
            int v = (px[i] & 0xFF) + rng.nextInt(25) - 12;
            px[i] = (byte) Math.max(0, Math.min(255, v));
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam p = writer.getDefaultWriteParam();
        p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        p.setCompressionQuality(0.9f);
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bos)) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(img, null, null), p);
        }
        writer.dispose();
        return bos.toByteArray();
    }

    private static Color randomColor(SplitMix64 rng) {
        return new Color(rng.nextInt(256), rng.nextInt(256), rng.nextInt(256));
    }
}

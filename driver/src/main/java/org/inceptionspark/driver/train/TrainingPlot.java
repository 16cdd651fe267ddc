package org.inceptionspark.driver.train;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Draws {@code training.png}: training loss (left) and validation top-1/top-5 error (right) against the step. */
public final class TrainingPlot {
    private static final int W = 1200;
    private static final int H = 450;

    private TrainingPlot() {
    }

    public static void write(List<MetricsLog.Row> rows, String runDir, Configuration hadoop) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        panel(g, rows, 0, "training loss", List.of(new Series("loss", MetricsLog.Row::loss, new Color(31, 119, 180))));
        panel(g, rows, W / 2, "validation error (moving-average weights)", List.of(
                new Series("top-1", MetricsLog.Row::top1Error, new Color(214, 39, 40)),
                new Series("top-5", MetricsLog.Row::top5Error, new Color(44, 160, 44))));
        g.dispose();
        Path file = new Path(runDir, "training.png");
        FileSystem fs = file.getFileSystem(hadoop);
        Path tmp = new Path(runDir, "_training.png.tmp");
        try (var out = fs.create(tmp, true)) {
            ImageIO.write(img, "png", out);
        }
        fs.delete(file, false);
        fs.rename(tmp, file);
    }

    private record Series(String name, ToDoubleFunction<MetricsLog.Row> value, Color color) {
    }

    private static void panel(Graphics2D g, List<MetricsLog.Row> rows, int x0, String title, List<Series> series) {
        int left = x0 + 70;
        int right = x0 + W / 2 - 20;
        int top = 40;
        int bottom = H - 50;
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, left, 25);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.drawRect(left, top, right - left, bottom - top);
        double minX = Double.MAX_VALUE;
        double maxX = -Double.MAX_VALUE;
        double minY = Double.MAX_VALUE;
        double maxY = -Double.MAX_VALUE;
        for (MetricsLog.Row r : rows) {
            for (Series s : series) {
                double v = s.value().applyAsDouble(r);
                if (Double.isFinite(v)) {
                    minX = Math.min(minX, r.step());
                    maxX = Math.max(maxX, r.step());
                    minY = Math.min(minY, v);
                    maxY = Math.max(maxY, v);
                }
            }
        }
        if (minX > maxX) {
            g.drawString("no data yet", left + 10, top + 20);
            return;
        }
        if (maxX == minX) {
            maxX = minX + 1;
        }
        if (maxY - minY < 1e-9) {
            maxY = minY + 1e-3;
        }
        g.drawString(String.format(Locale.ROOT, "%.3g", maxY), x0 + 5, top + 5);
        g.drawString(String.format(Locale.ROOT, "%.3g", minY), x0 + 5, bottom);
        g.drawString("step " + (long) minX, left, bottom + 18);
        String end = "step " + (long) maxX;
        g.drawString(end, right - g.getFontMetrics().stringWidth(end), bottom + 18);
        int legendY = bottom + 36;
        int legendX = left;
        for (Series s : series) {
            g.setColor(s.color());
            g.setStroke(new BasicStroke(2f));
            int px = -1;
            int py = -1;
            for (MetricsLog.Row r : rows) {
                double v = s.value().applyAsDouble(r);
                if (!Double.isFinite(v)) {
                    continue;
                }
                int x = left + (int) ((r.step() - minX) / (maxX - minX) * (right - left));
                int y = bottom - (int) ((v - minY) / (maxY - minY) * (bottom - top));
                if (px >= 0) {
                    g.drawLine(px, py, x, y);
                } else {
                    g.fillOval(x - 2, y - 2, 4, 4);
                }
                px = x;
                py = y;
            }
            g.fillRect(legendX, legendY - 8, 14, 4);
            g.setColor(Color.BLACK);
            g.drawString(s.name(), legendX + 18, legendY - 3);
            legendX += 80;
        }
    }
}

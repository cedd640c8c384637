package io.roam.sim.report;

import io.roam.sim.engine.RunResult;
import io.roam.sim.engine.SizeBuckets;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * {@code sim.png}: mean slowdown against CPU demand (both log scale), one line per policy, drawn headless with
 * java.awt. Shows where each policy wins: heavy-tailed workloads punish policies that leave long processes crowded.
 */
public final class Plot {
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
            new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf), new Color(0x7f7f7f)};
    private static final int W = 900, H = 560, LEFT = 80, RIGHT = 190, TOP = 50, BOTTOM = 60;

    private Plot() {}

    public static void write(Path file, List<RunResult> results, String title) {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        double maxY = 1;
        for (RunResult r : results)
            for (int b = 0; b < SizeBuckets.COUNT; b++)
                if (r.bySize().count(b) > 0) maxY = Math.max(maxY, r.bySize().meanSlowdown(b));
        double yTop = Math.pow(10, Math.ceil(Math.log10(maxY) + 1e-9));
        double xLo = Math.log10(SizeBuckets.lower(0)), xHi = Math.log10(SizeBuckets.lower(SizeBuckets.COUNT));
        int pw = W - LEFT - RIGHT, ph = H - TOP - BOTTOM;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.setColor(new Color(0xdddddd));
        for (double x = Math.ceil(xLo); x <= xHi; x++) {
            int px = LEFT + (int) ((x - xLo) / (xHi - xLo) * pw);
            g.drawLine(px, TOP, px, TOP + ph);
            g.setColor(Color.DARK_GRAY);
            g.drawString(label(Math.pow(10, x)) + " s", px - 14, TOP + ph + 18);
            g.setColor(new Color(0xdddddd));
        }
        for (double y = 0; y <= Math.log10(yTop) + 1e-9; y += 0.5) {
            int py = TOP + ph - (int) (y / Math.log10(yTop) * ph);
            g.drawLine(LEFT, py, LEFT + pw, py);
            g.setColor(Color.DARK_GRAY);
            g.drawString(label(Math.pow(10, y)), LEFT - 48, py + 4);
            g.setColor(new Color(0xdddddd));
        }
        g.setColor(Color.BLACK);
        g.drawRect(LEFT, TOP, pw, ph);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, LEFT, TOP - 20);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString("CPU demand (log scale)", LEFT + pw / 2 - 60, H - 15);
        g.rotate(-Math.PI / 2);
        g.drawString("mean slowdown (log scale)", -(TOP + ph / 2 + 70), 20);
        g.rotate(Math.PI / 2);
        g.setStroke(new BasicStroke(2f));
        for (int i = 0; i < results.size(); i++) {
            RunResult r = results.get(i);
            g.setColor(COLORS[i % COLORS.length]);
            int lastX = -1, lastY = -1;
            for (int b = 0; b < SizeBuckets.COUNT; b++) {
                if (r.bySize().count(b) == 0) continue;
                double mid = (Math.log10(SizeBuckets.lower(b)) + Math.log10(SizeBuckets.lower(b + 1))) / 2;
                int px = LEFT + (int) ((mid - xLo) / (xHi - xLo) * pw);
                int py = TOP + ph - (int) (Math.log10(Math.max(1, r.bySize().meanSlowdown(b))) / Math.log10(yTop) * ph);
                if (lastX >= 0) g.drawLine(lastX, lastY, px, py);
                g.fillOval(px - 3, py - 3, 6, 6);
                lastX = px;
                lastY = py;
            }
            g.drawLine(W - RIGHT + 15, TOP + 15 + 20 * i, W - RIGHT + 40, TOP + 15 + 20 * i);
            g.setColor(Color.BLACK);
            g.drawString(String.format(Locale.ROOT, "%s (%.3f s)", r.policy(), r.meanDelay()), W - RIGHT + 46, TOP + 19 + 20 * i);
        }
        g.setColor(Color.DARK_GRAY);
        g.drawString("(mean delay)", W - RIGHT + 46, TOP + 19 + 20 * results.size());
        g.dispose();
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            if (!ImageIO.write(img, "png", file.toFile())) throw new IllegalStateException("no PNG writer in this JDK");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write plot " + file + ": " + e.getMessage(), e);
        }
    }

    private static String label(double v) {
        return new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
    }
}

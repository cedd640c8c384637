package io.roam.cli.render;

import java.time.Duration;
import java.util.Locale;

/** Short human forms for tables: ages (5s, 3m, 2h, 4d) and sizes (512B, 12.3M, 140M, 2.0G). */
public final class Human {
    private static final String UNITS = "KMGTPE";

    private Human() {}

    public static String age(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) return s + "s";
        if (s < 3600) return s / 60 + "m";
        if (s < 86400) return s / 3600 + "h";
        return s / 86400 + "d";
    }

    public static String bytes(long n) {
        if (n < 1024) return Math.max(0, n) + "B";
        double v = n;
        int unit = -1;
        while (v >= 1024 && unit < UNITS.length() - 1) {
            v /= 1024;
            unit++;
        }
        // 999.5M and above would print as 1000M: show 1.0G instead
        if (v >= 999.5 && unit < UNITS.length() - 1) {
            v /= 1024;
            unit++;
        }
        String digits = v < 99.95 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.0f", v);
        return digits + UNITS.charAt(unit);
    }

    /** {@code text} cut to at most {@code max} characters, ending with "..." when cut. */
    public static String truncate(String text, int max) {
        text = text.replaceAll("\\p{Cntrl}+", " ");   // a multi-line argument must not break the table
        if (text.length() <= max) return text;
        if (max <= 3) return text.substring(0, Math.max(0, max));
        return text.substring(0, max - 3) + "...";
    }
}

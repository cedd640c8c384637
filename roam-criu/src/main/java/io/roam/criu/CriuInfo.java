package io.roam.criu;

import java.util.Set;

/**
 * What this node's CRIU can do. {@code features} holds the names of {@code criu check --feature X} checks that
 * passed (for example {@code mem_dirty_track}, {@code uffd-noncoop}), plus {@value #LAZY_PAGES}, which roam derives:
 * the kernel supports non-cooperative userfaultfd and {@code fs.pipe-max-size} is at least 4 MiB.
 */
public record CriuInfo(String version, String kernel, String arch, Set<String> features) {
    public static final String LAZY_PAGES = "lazy_pages";
    public static final String MEM_DIRTY_TRACK = "mem_dirty_track";

    public CriuInfo {
        features = Set.copyOf(features);
    }

    /** The major version, e.g. 4 for 4.2.1 (0 when the version cannot be parsed). */
    public int major() { return major(version); }

    public boolean has(String feature) { return features.contains(feature); }

    public static int major(String version) {
        int dot = version.indexOf('.');
        try {
            return Integer.parseInt(dot < 0 ? version.trim() : version.substring(0, dot).trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Compares dotted versions numerically: {@code 4.10 > 4.2}. */
    public static int compareVersions(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int c = Integer.compare(part(x, i), part(y, i));
            if (c != 0) return c;
        }
        return 0;
    }

    private static int part(String[] p, int i) {
        if (i >= p.length) return 0;
        try {
            return Integer.parseInt(p[i].replaceAll("[^0-9].*$", ""));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}

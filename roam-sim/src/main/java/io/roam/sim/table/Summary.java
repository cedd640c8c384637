package io.roam.sim.table;

/** Mean and 95% confidence half-width (Student's t) of a small sample, e.g. one figure over 10 seeds. */
public record Summary(double mean, double halfWidth, int n) {
    /** Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom. */
    private static final double[] T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201,
            2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052,
            2.048, 2.045, 2.042};

    public static Summary of(double[] x) {
        int n = x.length;
        double sum = 0;
        for (double v : x) sum += v;
        double mean = sum / n;
        if (n < 2) return new Summary(mean, Double.NaN, n);
        double ss = 0;
        for (double v : x) ss += (v - mean) * (v - mean);
        double sd = Math.sqrt(ss / (n - 1));
        double t = n - 1 <= T975.length ? T975[n - 2] : 1.96;
        return new Summary(mean, t * sd / Math.sqrt(n), n);
    }

    public double low() { return mean - halfWidth; }

    public double high() { return mean + halfWidth; }
}

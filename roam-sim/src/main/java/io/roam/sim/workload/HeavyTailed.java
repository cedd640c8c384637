package io.roam.sim.workload;

import java.util.random.RandomGenerator;

/**
 * Lifetimes with an empirical body below 1 s and a Pareto tail above it: with probability {@code tailFraction} a
 * process lives longer than 1 s and then {@code P(L > t | L > 1 s) = (t^-α − T^-α) / (1 − T^-α)} for 1 ≤ t ≤ T (the
 * tail truncated at T), which is ≈ 1/t for α = 1 and t ≪ T, as Harchol-Balter and Downey measured. Below 1 s the CDF
 * is piecewise log-linear through the {@code (seconds, fraction)} knots given.
 */
public final class HeavyTailed implements Lifetimes {
    private final double[] knotSeconds;
    private final double[] knotFraction;
    private final double tailFraction;
    private final double alpha;
    private final double max;
    private final String name;

    public HeavyTailed(String name, double[] knotSeconds, double[] knotFraction, double tailFraction, double alpha, double max) {
        if (knotSeconds.length != knotFraction.length || knotSeconds.length < 2) throw new IllegalArgumentException("knots must pair up");
        if (knotFraction[0] != 0 || knotFraction[knotFraction.length - 1] != 1 || knotSeconds[knotSeconds.length - 1] != 1.0)
            throw new IllegalArgumentException("the body's CDF must run from 0 to 1 and end at 1 s");
        for (int i = 1; i < knotSeconds.length; i++)
            if (!(knotSeconds[i] > knotSeconds[i - 1]) || knotFraction[i] < knotFraction[i - 1])
                throw new IllegalArgumentException("knots must increase");
        if (!(tailFraction >= 0 && tailFraction < 1) || !(alpha > 0) || !(max > 1))
            throw new IllegalArgumentException("tail fraction in [0,1), α > 0 and truncation > 1 s required");
        this.knotSeconds = knotSeconds.clone();
        this.knotFraction = knotFraction.clone();
        this.tailFraction = tailFraction;
        this.alpha = alpha;
        this.max = max;
        this.name = name;
    }

    @Override public double sample(RandomGenerator random) {
        double u = random.nextDouble();
        double v = random.nextDouble();
        if (u < tailFraction) { // truncated Pareto on [1, max] by inversion
            double tMinusA = Math.pow(max, -alpha);
            return Math.pow(1 - v * (1 - tMinusA), -1 / alpha);
        }
        int i = 1;
        while (knotFraction[i] < v) i++;
        double f0 = knotFraction[i - 1], f1 = knotFraction[i];
        double x = f1 == f0 ? 0 : (v - f0) / (f1 - f0);
        return knotSeconds[i - 1] * Math.pow(knotSeconds[i] / knotSeconds[i - 1], x);
    }

    @Override public double mean() {
        double body = 0;
        for (int i = 1; i < knotSeconds.length; i++) { // log-uniform segment mean (b − a) / ln(b / a)
            double a = knotSeconds[i - 1], b = knotSeconds[i];
            body += (knotFraction[i] - knotFraction[i - 1]) * (b - a) / Math.log(b / a);
        }
        double norm = 1 - Math.pow(max, -alpha);
        double tail = alpha == 1.0 ? Math.log(max) / norm
                : alpha / (alpha - 1) * (1 - Math.pow(max, 1 - alpha)) / norm;
        return (1 - tailFraction) * body + tailFraction * tail;
    }

    /** P(L > t | L > 1 s), for checking the tail. */
    public double tailSurvival(double t) {
        if (t <= 1) return 1;
        if (t >= max) return 0;
        return (Math.pow(t, -alpha) - Math.pow(max, -alpha)) / (1 - Math.pow(max, -alpha));
    }

    public double tailFraction() { return tailFraction; }

    public double alpha() { return alpha; }

    public double max() { return max; }

    @Override public String describe() {
        return String.format(java.util.Locale.ROOT, "%s: empirical below 1 s, %.1f%% above with Pareto α=%.2f truncated at %.0f s; mean %.3f s",
                name, 100 * tailFraction, alpha, max, mean());
    }
}

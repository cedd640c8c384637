package io.roam.core.policy;

/**
 * Why a decision was taken. The text is rendered only when someone reads it ({@link #text()}), so a policy can explain
 * every one of millions of decisions without formatting numbers it will never show. The template names up to three
 * numbers as {@code {0}}, {@code {1}}, {@code {2}}; whole numbers print without decimals, others with up to three.
 */
public record Reason(String template, double a, double b, double c) {
    public Reason {
        if (template == null || template.isEmpty()) throw new IllegalArgumentException("a reason needs a template");
    }

    public static Reason of(String text) { return new Reason(text, 0, 0, 0); }

    public static Reason of(String template, double a) { return new Reason(template, a, 0, 0); }

    public static Reason of(String template, double a, double b) { return new Reason(template, a, b, 0); }

    public static Reason of(String template, double a, double b, double c) { return new Reason(template, a, b, c); }

    /** The reason as one line, e.g. {@code "age 4.2 s > cost 0.31 s / gap 2"}. */
    public String text() {
        StringBuilder out = new StringBuilder(template.length() + 16);
        for (int i = 0; i < template.length(); i++) {
            char ch = template.charAt(i);
            if (ch == '{' && i + 2 < template.length() && template.charAt(i + 2) == '}') {
                int slot = template.charAt(i + 1) - '0';
                if (slot >= 0 && slot <= 2) {
                    out.append(number(slot == 0 ? a : slot == 1 ? b : c));
                    i += 2;
                    continue;
                }
            }
            out.append(ch);
        }
        return out.toString();
    }

    private static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        String s = String.format(java.util.Locale.ROOT, "%.3f", v);
        int end = s.length();
        while (s.charAt(end - 1) == '0') end--;
        return s.substring(0, end);
    }

    @Override public String toString() { return text(); }
}

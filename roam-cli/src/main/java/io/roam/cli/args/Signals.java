package io.roam.cli.args;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;

/** Linux signal names and numbers (x86-64 and arm64 share them), as kill(1) accepts them. */
public final class Signals {
    /** glibc's SIGRTMIN and SIGRTMAX. */
    public static final int RTMIN = 34;
    public static final int RTMAX = 64;

    private static final Map<String, Integer> BY_NAME = new LinkedHashMap<>();

    static {
        String[] names = {"HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE",
            "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM",
            "PROF", "WINCH", "IO", "PWR", "SYS"};
        for (int i = 0; i < names.length; i++) BY_NAME.put(names[i], i + 1);
        BY_NAME.put("IOT", 6);
        BY_NAME.put("CLD", 17);
        BY_NAME.put("POLL", 29);
    }

    private Signals() {}

    /**
     * The number of {@code text}: a name with or without SIG, in any case (TERM, sigkill), RTMIN+N / RTMAX-N,
     * or a number from 1 to 64.
     */
    public static OptionalInt parse(String text) {
        if (text == null) return OptionalInt.empty();
        String s = text.strip().toUpperCase(Locale.ROOT);
        if (s.startsWith("SIG")) s = s.substring(3);
        if (s.isEmpty()) return OptionalInt.empty();
        if (s.chars().allMatch(Character::isDigit)) {
            if (s.length() > 2) return OptionalInt.empty();
            int n = Integer.parseInt(s);
            return n >= 1 && n <= RTMAX ? OptionalInt.of(n) : OptionalInt.empty();
        }
        Integer n = BY_NAME.get(s);
        if (n != null) return OptionalInt.of(n);
        return realtime(s);
    }

    /** The conventional name of {@code number}, such as TERM; RTMIN+N for real-time signals. */
    public static String name(int number) {
        for (var e : BY_NAME.entrySet()) if (e.getValue() == number) return e.getKey();
        if (number >= RTMIN && number <= RTMAX) return number == RTMIN ? "RTMIN" : "RTMIN+" + (number - RTMIN);
        return Integer.toString(number);
    }

    private static OptionalInt realtime(String s) {
        int base;
        int sign;
        if (s.startsWith("RTMIN")) {
            base = RTMIN;
            sign = 1;
        } else if (s.startsWith("RTMAX")) {
            base = RTMAX;
            sign = -1;
        } else {
            return OptionalInt.empty();
        }
        String rest = s.substring(5);
        if (rest.isEmpty()) return OptionalInt.of(base);
        char op = rest.charAt(0);
        String digits = rest.substring(1);
        if (op != (sign > 0 ? '+' : '-') || digits.isEmpty() || digits.length() > 2
                || !digits.chars().allMatch(Character::isDigit)) {
            return OptionalInt.empty();
        }
        int n = base + sign * Integer.parseInt(digits);
        return n >= RTMIN && n <= RTMAX ? OptionalInt.of(n) : OptionalInt.empty();
    }
}

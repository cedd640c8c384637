package io.roam.core;

import java.security.SecureRandom;
import java.util.regex.Pattern;

/** A job's identity: its user-given name or a generated one. Stable across checkpoint, restore and migration. */
public record JobId(String value) {
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,62}");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789".toCharArray();

    public JobId {
        if (value == null || !VALID.matcher(value).matches()) {
            throw new IllegalArgumentException("invalid job name '" + value
                    + "': use 1-63 letters, digits, '-' or '_', starting with a letter or digit");
        }
    }

    public static JobId of(String value) { return new JobId(value); }

    public static boolean isValid(String value) { return value != null && VALID.matcher(value).matches(); }

    /** A fresh short id such as {@code j7kq2mx}. */
    public static JobId random() {
        var sb = new StringBuilder("j");
        for (int i = 0; i < 6; i++) sb.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
        return new JobId(sb.toString());
    }

    @Override public String toString() { return value; }
}

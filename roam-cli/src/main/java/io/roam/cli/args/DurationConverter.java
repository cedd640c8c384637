package io.roam.cli.args;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A duration such as 30s, 5m, 1h30m, 2d, 500ms, a bare number of seconds, or ISO-8601 (PT90S). */
public final class DurationConverter implements ITypeConverter<Duration> {
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    public static Duration parse(String value) {
        String s = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        if (!s.isEmpty() && s.chars().allMatch(Character::isDigit) && s.length() <= 12) {
            return Duration.ofSeconds(Long.parseLong(s));
        }
        if (s.startsWith("p")) return iso(value, s);
        Matcher m = PART.matcher(s);
        Duration total = Duration.ZERO;
        int at = 0;
        while (at < s.length() && m.find(at) && m.start() == at) {
            if (m.group(1).length() > 12) throw invalid(value);
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> throw invalid(value);
            });
            at = m.end();
        }
        if (at == 0 || at != s.length()) throw invalid(value);
        return total;
    }

    private static Duration iso(String value, String s) {
        try {
            Duration d = Duration.parse(s.toUpperCase(Locale.ROOT));
            if (d.isNegative()) throw invalid(value);
            return d;
        } catch (DateTimeParseException e) {
            throw invalid(value);
        }
    }

    private static TypeConversionException invalid(String value) {
        return new TypeConversionException("invalid duration '" + value + "': use for example 30s, 5m, 1h30m, 2d or 500ms");
    }
}

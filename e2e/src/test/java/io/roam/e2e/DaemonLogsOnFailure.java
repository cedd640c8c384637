package io.roam.e2e;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * On a failing test (or @BeforeAll/@AfterEach), attaches the tail of every daemon log of the class's {@code static Roam}
 * to the failure, as a suppressed error: the home is a temporary directory, gone by the time anyone reads the report,
 * and what the coordinator and agents saw is the first thing to read.
 */
final class DaemonLogsOnFailure implements TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {
    private static final int LINES = 150;

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable t) throws Throwable { throw attach(context, t); }

    @Override
    public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable t) throws Throwable { throw attach(context, t); }

    @Override
    public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable t) throws Throwable { throw attach(context, t); }

    @Override
    public void handleAfterEachMethodExecutionException(ExtensionContext context, Throwable t) throws Throwable { throw attach(context, t); }

    private static Throwable attach(ExtensionContext context, Throwable t) {
        Roam roam = roam(context.getRequiredTestClass());
        if (roam == null || !Files.isDirectory(roam.home.resolve("log"))) return t;
        Path logs = roam.home.resolve("log");
        StringBuilder b = new StringBuilder("roam ps -a at the failure:\n");
        try {
            b.append(roam.run("ps", "-a").out());
        } catch (RuntimeException e) {
            b.append("(failed: ").append(e).append(")\n");
        }
        b.append("the daemons' logs (last ").append(LINES).append(" lines each) under ").append(logs).append(':');
        try (Stream<Path> files = Files.list(logs)) {
            for (Path f : files.sorted().toList()) {
                List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
                b.append("\n==> ").append(f.getFileName()).append(" <==\n")
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - LINES), lines.size())));
            }
        } catch (IOException | RuntimeException e) {
            b.append("\n(could not read them: ").append(e).append(')');
        }
        t.addSuppressed(new AssertionError(b.toString()));
        return t;
    }

    /** The class's static Roam, or null when it has none (yet). */
    private static Roam roam(Class<?> test) {
        for (Field f : test.getDeclaredFields()) {
            if (f.getType() != Roam.class || !Modifier.isStatic(f.getModifiers())) continue;
            try {
                f.setAccessible(true);
                return (Roam) f.get(null);
            } catch (ReflectiveOperationException e) {
                return null;
            }
        }
        return null;
    }
}

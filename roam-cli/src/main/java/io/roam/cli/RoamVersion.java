package io.roam.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** roam's version, from the build (version.properties is filtered by Maven). */
public final class RoamVersion implements IVersionProvider {

    public static String version() {
        try (InputStream in = RoamVersion.class.getResourceAsStream("version.properties")) {
            if (in == null) throw new IllegalStateException("version.properties is missing from the roam-cli jar");
            var p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** For example {@code roam 0.1.0 (java 25.0.1)}. */
    public static String line() {
        return "roam " + version() + " (java " + Runtime.version() + ")";
    }

    @Override
    public String[] getVersion() { return new String[] {line()}; }
}

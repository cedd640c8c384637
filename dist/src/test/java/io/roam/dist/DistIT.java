package io.roam.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the assembled distribution (dist/target/roam) the way users do: through bin/roam, in a fresh process. */
class DistIT {
    private static final String TEMURIN_25 = "/usr/lib/jvm/temurin-25-jdk-amd64";
    private static Path dist;

    @TempDir
    Path tmp;

    record Result(int exit, String out, String err) {}

    @BeforeAll
    static void locate() {
        dist = Path.of(System.getProperty("roam.dist", "target/roam")).toAbsolutePath();
        assertThat(dist.resolve("bin/roam")).isExecutable();
    }

    private static Result roam(Path launcher, Map<String, String> env, String... args) throws IOException, InterruptedException {
        var cmd = new ArrayList<String>();
        cmd.add(launcher.toString());
        cmd.addAll(List.of(args));
        var pb = new ProcessBuilder(cmd);
        pb.environment().remove("ROAM_JAVA");
        pb.environment().remove("ROAM_HOME");
        pb.environment().put("JAVA_HOME", TEMURIN_25);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[][] captured = new byte[2][];
        Thread out = Thread.ofVirtual().start(() -> captured[0] = readAll(p.getInputStream()));
        Thread err = Thread.ofVirtual().start(() -> captured[1] = readAll(p.getErrorStream()));
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("bin/roam " + String.join(" ", args) + " did not finish within 30 s");
        }
        out.join();
        err.join();
        return new Result(p.exitValue(), new String(captured[0], StandardCharsets.UTF_8),
                new String(captured[1], StandardCharsets.UTF_8));
    }

    private static Result roam(String... args) throws IOException, InterruptedException {
        return roam(dist.resolve("bin/roam"), Map.of(), args);
    }

    private static byte[] readAll(java.io.InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void helpListsEveryVerbWithoutAnyJvmWarning() throws Exception {
        var r = roam("--help");
        assertThat(r.exit()).isZero();
        assertThat(r.err()).isEmpty();
        for (String verb : List.of("run", "ps", "logs", "kill", "wait", "checkpoint", "restore", "checkpoints", "sleep", "wake",
                "check", "nodes", "rm", "up", "down", "version", "agent", "coordinator", "help")) {
            assertThat(r.out()).containsPattern("(?m)^  " + verb + " ");
        }
    }

    @Test
    void runHelpDescribesItsOptions() throws Exception {
        var r = roam("run", "--help");
        assertThat(r.exit()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).startsWith("Usage: roam run ").contains("--name=NAME").contains("--node=NODE").contains("CMD...");
    }

    @Test
    void theVersionComesFromTheBuildAndRunsOnJava25() throws Exception {
        var r = roam("version");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).matches("roam \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(java 2[5-9].*\\)\n");
        assertThat(roam("--version").out()).isEqualTo(r.out());
    }

    @Test
    void aClientCommandWithoutAnAgentSaysSoInOneLine() throws Exception {
        var r = roam(dist.resolve("bin/roam"), Map.of("ROAM_HOME", tmp.toString()), "ps");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("roam: error: roam is not running here (no agent at " + tmp.resolve("agent.sock")
                + "): run 'roam up'\n");
    }

    @Test
    void usageErrorsExit2() throws Exception {
        var r = roam("kill", "-s", "BOGUS", "j1");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("roam: error: ").contains("unknown signal 'BOGUS'");
    }

    @Test
    void theLauncherFindsItsDistributionThroughASymlink() throws Exception {
        Path link = tmp.resolve("bin/roam");
        Files.createDirectories(link.getParent());
        Files.createSymbolicLink(link, dist.resolve("bin/roam"));
        try {
            var r = roam(link, Map.of(), "version");
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).startsWith("roam ");
        } finally {
            Files.delete(link);
        }
    }

    @Test
    void anOlderJavaHomeIsPassedOverAndANewEnoughOneIsUsed() throws Exception {
        Path old = fakeJdk("old", "17.0.2", "echo 'Java 17 must not be used' >&2; exit 99");
        var r = roam(dist.resolve("bin/roam"), Map.of("JAVA_HOME", old.toString()), "version");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("(java 25");

        Path marker = tmp.resolve("used");
        Path fresh = fakeJdk("fresh", "26", "touch '" + marker + "'; exec " + TEMURIN_25 + "/bin/java \"$@\"");
        var used = roam(dist.resolve("bin/roam"), Map.of("JAVA_HOME", fresh.toString()), "version");
        assertThat(used.exit()).as(used.err()).isZero();
        assertThat(marker).as("JAVA_HOME's java 26 ran roam").exists();
    }

    @Test
    void aBadRoamJavaIsOneClearError() throws Exception {
        var r = roam(dist.resolve("bin/roam"), Map.of("ROAM_JAVA", "/nonexistent/java"), "version");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("roam: error: ROAM_JAVA=/nonexistent/java is not an executable java: point it to a "
                + "Java 25+ bin/java, or unset it\n");
    }

    @Test
    void everyNativeBinaryOfRoamNativeIsInLibNativeAndExecutable() throws Exception {
        Path nativeJar;
        try (var jars = Files.list(dist.resolve("lib"))) {
            nativeJar = jars.filter(p -> p.getFileName().toString().startsWith("roam-native-")).findFirst().orElseThrow();
        }
        var expected = new ArrayList<String>();
        try (var jar = new JarFile(nativeJar.toFile())) {
            jar.stream().map(e -> e.getName()).filter(n -> n.matches("io/roam/nativebin/roam-(supervise|init)"))
                    .forEach(n -> expected.add(n.substring(n.lastIndexOf('/') + 1)));
        }
        for (String name : expected) {
            Path bin = dist.resolve("lib/native").resolve(name);
            assertThat(bin).exists();
            assertThat(Files.getPosixFilePermissions(bin)).contains(PosixFilePermission.OWNER_EXECUTE,
                    PosixFilePermission.OTHERS_EXECUTE);
        }
        try (var jars = Files.list(dist.resolve("lib"))) {
            assertThat(jars.map(p -> p.getFileName().toString()))
                    .contains("roam-dist-" + versionOf(nativeJar) + ".jar", "roam-cli-" + versionOf(nativeJar) + ".jar",
                            "roam-agent-" + versionOf(nativeJar) + ".jar", "roam-coordinator-" + versionOf(nativeJar) + ".jar");
        }
    }

    private static String versionOf(Path nativeJar) {
        String n = nativeJar.getFileName().toString();
        return n.substring("roam-native-".length(), n.length() - ".jar".length());
    }

    /** A directory that looks like a JDK of {@code version}: a release file and a bin/java script. */
    private Path fakeJdk(String name, String version, String javaBody) throws IOException {
        Path home = tmp.resolve(name);
        Files.createDirectories(home.resolve("bin"));
        Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"test\"\nJAVA_VERSION=\"" + version + "\"\n");
        Path java = home.resolve("bin/java");
        Files.writeString(java, "#!/bin/sh\n" + javaBody + "\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return home;
    }
}

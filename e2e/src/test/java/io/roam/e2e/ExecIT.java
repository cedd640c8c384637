package io.roam.e2e;

import static io.roam.e2e.Roam.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** roam exec against a real `roam up`: bytes, exit codes, stdin, cwd, env, signals; native client and Java fallback. */
@ExtendWith(DaemonLogsOnFailure.class)
class ExecIT {
    @TempDir static Path tmp;
    static Roam roam;
    static Path dist = Path.of(System.getProperty("roam.dist", "../dist/target/roam")).toAbsolutePath().normalize();

    @BeforeAll
    static void up() { roam = Roam.up(tmp.resolve("home")); }

    @AfterAll
    static void down() { if (roam != null) roam.close(); }

    record Run(int exit, byte[] out, String err) {}

    /** bin/roam exec ARGS with {@code stdin} piped in; java: force the Java fallback. */
    static Process start(boolean java, Path cwd, Map<String, String> env, Path outFile, Path errFile, Path stdin, String... args) {
        List<String> cmd = new ArrayList<>(List.of(dist.resolve("bin/roam").toString(), "exec"));
        cmd.addAll(List.of(args));
        var pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        pb.environment().put("ROAM_HOME", roam.home.toString());
        if (java) pb.environment().put("ROAM_EXEC_JAVA", "1");
        else pb.environment().remove("ROAM_EXEC_JAVA");
        pb.environment().putAll(env);
        pb.redirectOutput(outFile.toFile()).redirectError(errFile.toFile())
                .redirectInput(stdin == null ? ProcessBuilder.Redirect.from(new java.io.File("/dev/null")) : ProcessBuilder.Redirect.from(stdin.toFile()));
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Run exec(boolean java, Path stdin, Map<String, String> env, String... args) {
        try {
            Path out = Files.createTempFile(tmp, "out", ".bin");
            Path err = Files.createTempFile(tmp, "err", ".txt");
            Process p = start(java, tmp, env, out, err, stdin, args);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("roam exec " + String.join(" ", args) + " did not finish in 60 s");
            }
            return new Run(p.exitValue(), Files.readAllBytes(out), Files.readString(err));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static Run exec(boolean java, String... args) { return exec(java, null, Map.of(), args); }

    @ParameterizedTest(name = "java fallback: {0}")
    @ValueSource(booleans = {false, true})
    void outputBytesAndExitCodes(boolean java) throws IOException {
        Run hi = exec(java, "--", "sh", "-c", "printf 'out\\n'; printf 'err\\n' >&2");
        assertThat(hi.exit()).as(hi.err()).isZero();
        assertThat(new String(hi.out(), StandardCharsets.UTF_8)).isEqualTo("out\n");
        assertThat(hi.err()).isEqualTo("err\n");

        byte[] big = new byte[5 << 20];
        new Random(42).nextBytes(big);
        Path file = tmp.resolve("big-" + java);
        Files.write(file, big);
        Run cat = exec(java, "--", "cat", file.toString());
        assertThat(cat.exit()).isZero();
        assertThat(cat.out()).isEqualTo(big);

        assertThat(exec(java, "--", "true").exit()).isZero();
        assertThat(exec(java, "--", "false").exit()).isEqualTo(1);
        assertThat(exec(java, "--", "sh", "-c", "exit 42").exit()).isEqualTo(42);
        assertThat(exec(java, "--", "sh", "-c", "kill -9 $$").exit()).isEqualTo(137);
    }

    @ParameterizedTest(name = "java fallback: {0}")
    @ValueSource(booleans = {false, true})
    void stdinCwdAndEnv(boolean java) throws IOException {
        byte[] input = new byte[3 << 20];
        new Random(7).nextBytes(input);
        Path in = tmp.resolve("in-" + java);
        Files.write(in, input);
        Run cat = exec(java, in, Map.of(), "--", "cat");
        assertThat(cat.exit()).as(cat.err()).isZero();
        assertThat(cat.out()).isEqualTo(input);
        Run wc = exec(java, in, Map.of(), "--", "wc", "-c");
        assertThat(new String(wc.out(), StandardCharsets.UTF_8).strip()).isEqualTo(Integer.toString(input.length));

        Run pwd = exec(java, null, Map.of("ROAM_EXEC_TEST", "a b=c"), "--", "sh", "-c", "pwd; echo \"$ROAM_EXEC_TEST\"; id -u");
        assertThat(new String(pwd.out(), StandardCharsets.UTF_8))
                .isEqualTo(tmp.toRealPath() + "\na b=c\n" + new com.sun.security.auth.module.UnixSystem().getUid() + "\n");
    }

    @ParameterizedTest(name = "java fallback: {0}")
    @ValueSource(booleans = {false, true})
    void missingCommandIs127WithOneLine(boolean java) {
        Run r = exec(java, "--", "no-such-command-xyz");
        assertThat(r.exit()).isEqualTo(127);
        assertThat(r.err().strip()).startsWith("roam: error: no such command: no-such-command-xyz").doesNotContain("\n");
        assertThat(r.out()).isEmpty();
    }

    @ParameterizedTest(name = "java fallback: {0}")
    @ValueSource(booleans = {false, true})
    void sigtermToTheClientKillsTheCommand(boolean java) throws Exception {
        Path marker = tmp.resolve("started-" + java);
        Path out = Files.createTempFile(tmp, "out", ".bin");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        Process p = start(java, tmp, Map.of(), out, err, null, "--", "sh", "-c", "touch " + marker + "; exec sleep 300");
        try {
            eventually(Duration.ofSeconds(30), "the command started", () -> Files.exists(marker));
            Thread.sleep(200);   // java fallback: its signal handlers are installed right after the request is sent
            p.destroy();         // SIGTERM to the client
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(Files.readString(err)).isEqualTo(143);
            eventually(Duration.ofSeconds(10), "the remote sleep is gone", () -> ProcessHandle.allProcesses()
                    .noneMatch(h -> h.info().commandLine().orElse("").equals("sleep 300")));
        } finally {
            p.destroyForcibly();
        }
    }

    @org.junit.jupiter.api.Test
    void agentNotRunningSaysSo() {
        var pb = new ProcessBuilder(dist.resolve("bin/roam").toString(), "exec", "--", "true");
        pb.environment().put("ROAM_HOME", tmp.resolve("nowhere").toString());
        try {
            Process p = pb.redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isEqualTo(1);
            assertThat(text.strip()).isEqualTo("roam: error: roam is not running here (no agent at "
                    + tmp.resolve("nowhere/agent.sock") + "): run 'roam up'");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}

package io.roam.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the --net tests look at on a local cluster: its node namespaces and the plumbing of a job's address there,
 * the columns of roam ps, and clients (python scripts in resources/net) run on the host, outside the job.
 */
final class NetJobs {
    final Roam roam;
    final String id;
    final int nodes;

    NetJobs(Roam roam, int nodes) {
        this.roam = roam;
        this.nodes = nodes;
        try {
            this.id = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(roam.home.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8))).substring(0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path script(String name) {
        try {
            return Path.of(NetJobs.class.getResource("/net/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    String netns(int k) { return "roam-" + id + "-n" + k; }

    static String sh(String... cmd) { return Roam.command(Duration.ofSeconds(30), cmd); }

    /** The job's column in `roam ps -a`. */
    String column(String job, String column) {
        return Roam.psRows(roam.run("ps", "-a").ok().out()).stream().filter(r -> r.get("ID").equals(job)).findFirst()
                .map(r -> r.get(column)).orElse("");
    }

    /** The interface that carries a job's address on a node: rj + its 8 hex digits. */
    static String veth(String address) {
        StringBuilder hex = new StringBuilder("rj");
        for (String part : address.split("\\.")) hex.append(String.format("%02x", Integer.parseInt(part)));
        return hex.toString();
    }

    /** The address is routed to a veth on {@code node} and on no other node. */
    void assertPlumbedOnlyOn(String address, int node) {
        for (int k = 1; k <= nodes; k++) {
            String ns = netns(k);
            if (k == node) {
                assertThat(sh("ip", "-n", ns, "-br", "link")).as("n%d links", k).contains(veth(address));
                assertThat(sh("ip", "-n", ns, "route")).as("n%d routes", k).contains(address + " dev " + veth(address));
            } else {
                Roam.eventually(Duration.ofSeconds(10), veth(address) + " gone from n" + k,
                        () -> !sh("ip", "-n", ns, "-br", "link").contains(veth(address)));
                assertThat(sh("ip", "-n", ns, "route")).as("n%d routes", k).doesNotContain(address + " dev");
            }
        }
    }

    /**
     * The host's neighbour entry for the address names node {@code node}'s hardware address within 3 s: the node the
     * job moved to announced it (gratuitous ARP). Without that, a host whose TCP traffic through the old node keeps
     * its entry confirmed would go on sending there.
     */
    void assertHostNeighbourIs(String address, int node) {
        String mac = sh("ip", "-n", netns(node), "-br", "link", "show", "dev", "eth0").strip().split("\\s+")[2];
        Roam.eventually(Duration.ofSeconds(3), "the host's neighbour " + address + " at n" + node + "'s " + mac,
                () -> sh("ip", "-4", "neigh", "show", address).contains("lladdr " + mac));
    }

    /** Alive and not a zombie (this machine's PID 1 does not reap orphans). */
    static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return false;
        }
    }

    static long field(String line, String name) {
        Matcher m = Pattern.compile(name + "=(\\d+)").matcher(line);
        assertThat(m.find()).as("%s in %s", name, line).isTrue();
        return Long.parseLong(m.group(1));
    }

    /** A client process on the host, its output lines queued; it stops when its stop file exists. */
    record Client(Process process, BlockingQueue<String> lines, Path stop) implements AutoCloseable {
        static Client start(Path stop, String script, String... args) throws IOException {
            var cmd = new java.util.ArrayList<>(java.util.List.of("python3", script(script).toString()));
            cmd.addAll(java.util.List.of(args));
            cmd.add(stop.toString());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            BlockingQueue<String> q = new LinkedBlockingQueue<>();
            Thread.ofVirtual().start(() -> {
                try (var r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) q.add(l);
                } catch (IOException e) {
                    q.add("client output lost: " + e.getMessage());
                }
            });
            return new Client(p, q, stop);
        }

        String next(String prefix, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            StringBuilder seen = new StringBuilder();
            while (System.nanoTime() < deadline) {
                String l = lines.poll(100, TimeUnit.MILLISECONDS);
                if (l == null) continue;
                if (l.startsWith(prefix)) return l;
                seen.append(l).append('\n');
            }
            throw new AssertionError("the client printed no '" + prefix + "' line within " + timeout + "; it printed:\n" + seen);
        }

        /** The client's local port, once it is connected. */
        long port() throws InterruptedException { return Long.parseLong(next("port ", Duration.ofSeconds(20)).substring(5)); }

        String finish(Duration timeout) throws IOException, InterruptedException {
            Files.writeString(stop, "stop");
            return next("done", timeout);
        }

        @Override
        public void close() { process.destroyForcibly(); }
    }
}

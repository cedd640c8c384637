package io.roam.agent.load;

import io.roam.proto.NodeLoad;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This machine's load, from /proc: runnable tasks, CPU pressure (PSI), free memory. */
public final class LoadMonitor {
    private final Path proc;

    public LoadMonitor() { this(Path.of("/proc")); }

    LoadMonitor(Path proc) { this.proc = proc; }

    public NodeLoad sample(int jobs) {
        var b = NodeLoad.newBuilder().setJobs(jobs).setCores(Runtime.getRuntime().availableProcessors());
        String loadavg = read("loadavg");
        if (!loadavg.isEmpty()) {
            String[] f = loadavg.trim().split("\\s+");
            b.setLoad1(Double.parseDouble(f[0]));
            // "running/total": the reader itself is one of the running tasks
            b.setRunnable(Math.max(0, Integer.parseInt(f[3].substring(0, f[3].indexOf('/'))) - 1));
        }
        for (String line : read("pressure/cpu").split("\n")) {
            if (line.startsWith("some ")) {
                for (String kv : line.split("\\s+")) {
                    if (kv.startsWith("avg10=")) b.setCpuPressure(Double.parseDouble(kv.substring(6)));
                }
            }
        }
        for (String line : read("meminfo").split("\n")) {
            if (line.startsWith("MemAvailable:")) b.setMemFreeBytes(kib(line));
            if (line.startsWith("MemTotal:")) b.setMemTotalBytes(kib(line));
        }
        return b.build();
    }

    private static long kib(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
    }

    private String read(String name) {
        try {
            return Files.readString(proc.resolve(name));
        } catch (IOException e) {
            return "";
        }
    }
}

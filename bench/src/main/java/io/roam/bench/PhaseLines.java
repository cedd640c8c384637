package io.roam.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where roam's time went: the per-phase lines the coordinator and the agent log for every checkpoint and restore
 * ("checkpoint J.1: find 2.1 ms, start 4.0 ms, …", "job J checkpointed as J.1 (…): check 3 ms, criu 49 ms, …"),
 * as medians over the given jobs.
 */
final class PhaseLines {
    private static final Pattern PHASE = Pattern.compile("([a-z][a-z ]*?) (\\d+(?:\\.\\d+)?) ms");

    private PhaseLines() {}

    /** One report line: the median of every phase of {@code jobs}' checkpoints and restores, by who logged it. */
    static String medians(Path logDir, List<String> jobs) throws IOException {
        List<String> coordinator = lines(logDir.resolve("coordinator.log"));
        List<String> agent = lines(logDir.resolve("agent-n1.log"));
        return "checkpoint: coordinator " + summary(coordinator, jobs, j -> "Checkpoints - checkpoint " + j + ".")
                + "; agent " + summary(agent, jobs, j -> "job " + j + " checkpointed as ")
                + " · restore: coordinator " + summary(coordinator, jobs, j -> "Checkpoints - restore " + j + ".")
                + "; agent " + summary(agent, jobs, j -> "job " + j + " restored from ");
    }

    private static List<String> lines(Path p) throws IOException { return Files.exists(p) ? Files.readAllLines(p) : List.of(); }

    private static String summary(List<String> log, List<String> jobs, java.util.function.Function<String, String> marker) {
        Map<String, List<Double>> phases = new LinkedHashMap<>();
        for (String line : log) {
            for (String j : jobs) {
                int at = line.indexOf(marker.apply(j));
                if (at < 0) continue;
                int colon = line.indexOf(": ", at + marker.apply(j).length());
                if (colon < 0) continue;
                Matcher m = PHASE.matcher(line.substring(colon + 2));
                while (m.find()) phases.computeIfAbsent(m.group(1).strip(), k -> new ArrayList<>()).add(Double.parseDouble(m.group(2)));
            }
        }
        if (phases.isEmpty()) return "(no lines)";
        var out = new StringBuilder();
        phases.forEach((k, v) -> out.append(out.isEmpty() ? "" : ", ").append(k).append(' ').append(String.format("%.0f", BenchSupport.median(v))));
        return out.append(" ms").toString();
    }
}

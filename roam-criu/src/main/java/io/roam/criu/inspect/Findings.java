package io.roam.criu.inspect;

import io.roam.proto.CheckReport;

import java.util.LinkedHashSet;
import java.util.Set;

/** Reasons (the job cannot be checkpointed) and warnings (it can, with a condition), in discovery order. */
final class Findings {
    private final Set<String> reasons = new LinkedHashSet<>();
    private final Set<String> warnings = new LinkedHashSet<>();

    void reason(String line) { reasons.add(line); }

    void warning(String line) { warnings.add(line); }

    CheckReport report() {
        return CheckReport.newBuilder().setMigratable(reasons.isEmpty()).addAllReasons(reasons).addAllWarnings(warnings).build();
    }
}

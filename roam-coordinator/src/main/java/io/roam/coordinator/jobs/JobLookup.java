package io.roam.coordinator.jobs;

import io.roam.coordinator.store.Versioned;
import io.roam.coordinator.store.ZkJobStore;
import io.roam.core.JobId;
import io.roam.proto.Caller;
import io.roam.proto.JobInfo;
import java.util.Optional;

/** Finds a job for a caller: someone else's job answers exactly like a missing one (no leak of its existence). */
public final class JobLookup {
    private final ZkJobStore store;

    public JobLookup(ZkJobStore store) { this.store = store; }

    public Answer<Versioned<JobInfo>> find(Caller caller, String name) {
        if (!JobId.isValid(name)) {
            return Answer.refused(Answer.Kind.INVALID, "invalid job name '" + shorten(name)
                    + "': use 1-63 letters, digits, '-' or '_', starting with a letter or digit");
        }
        Optional<Versioned<JobInfo>> v = store.get(JobId.of(name));
        if (v.isEmpty() || !Access.mayActOn(caller, v.get().value().getSpec().getUid())) {
            return Answer.refused(Answer.Kind.NOT_FOUND, "no such job: " + name);
        }
        return Answer.ok(v.get());
    }

    /** A user-supplied string, cut to a length fit for a one-line message. */
    public static String shorten(String s) {
        if (s == null) return "";
        String flat = s.replaceAll("\\p{Cntrl}", "?");
        return flat.length() <= 40 ? flat : flat.substring(0, 40) + "…";
    }

    /** The first line of an error text (agents may send CRIU's multi-line output). */
    public static String firstLine(String s) {
        return s == null || s.isBlank() ? "no reason given" : s.strip().lines().findFirst().orElse("").strip();
    }
}

package io.roam.core.mode;

import java.util.List;

/** What the mode choice answered: a mode with the reasons for it (in the order they were weighed), or a refusal. */
public sealed interface ModeDecision {
    /** Runs {@code mode}; {@code why} explains it, one line per consideration, for {@code roam migrate --explain}. */
    record Chosen(MigrationMode mode, List<String> why) implements ModeDecision {
        public Chosen { why = List.copyOf(why); }

        /** The reasons as one line. */
        public String explanation() { return String.join("; ", why); }
    }

    /** The caller asked for a mode this node pair or this build cannot run, and roam must not silently change it. */
    record Refused(String reason) implements ModeDecision {}
}

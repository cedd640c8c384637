package io.roam.core;

import java.util.List;

/** The answer of the state machine: the new record and what to do once it is stored, or a refusal with its reason. */
public sealed interface Transition {
    record Accepted(JobRecord record, List<SideEffect> effects) implements Transition {}
    record Refused(String reason) implements Transition {}
}

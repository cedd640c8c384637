package io.roam.agent.membership;

/** What a join attempt came to. */
public sealed interface JoinOutcome permits JoinOutcome.Joined, JoinOutcome.JoinRefused {
    record Joined(JoinedCredentials credentials) implements JoinOutcome {}

    /** @param reason one line, saying what to do */
    record JoinRefused(String reason) implements JoinOutcome {}
}

package io.roam.coordinator.agents;

/** An agent's answer, or why there was none (one line). */
public sealed interface AgentReply<T> {
    record Answered<T>(T value) implements AgentReply<T> {}

    record Unreachable<T>(String reason) implements AgentReply<T> {}
}

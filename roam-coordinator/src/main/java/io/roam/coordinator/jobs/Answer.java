package io.roam.coordinator.jobs;

/**
 * What a coordinator operation answers: a value, or a refusal that explains itself in one line. The gRPC layer maps
 * each {@link Kind} to a status code.
 */
public sealed interface Answer<T> {
    record Ok<T>(T value) implements Answer<T> {}

    record Refused<T>(Kind kind, String reason) implements Answer<T> {
        /** The same refusal, typed for another answer. */
        public <U> Refused<U> as() { return new Refused<>(kind, reason); }
    }

    enum Kind {
        /** The request is malformed (INVALID_ARGUMENT). */ INVALID,
        /** No such job, checkpoint or node, or not the caller's (NOT_FOUND). */ NOT_FOUND,
        /** The name is taken (ALREADY_EXISTS). */ TAKEN,
        /** The caller may not do this (PERMISSION_DENIED). */ DENIED,
        /** The job or node is not in a state that allows it (FAILED_PRECONDITION). */ PRECONDITION,
        /** A node did not answer (UNAVAILABLE). */ UNAVAILABLE
    }

    static <T> Answer<T> ok(T value) { return new Ok<>(value); }

    static <T> Answer<T> refused(Kind kind, String reason) { return new Refused<>(kind, reason); }
}

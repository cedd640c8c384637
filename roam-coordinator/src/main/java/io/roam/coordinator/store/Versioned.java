package io.roam.coordinator.store;

/** A value as read from the store, with the znode version that a compare-and-set write must name. */
public record Versioned<T>(T value, int version) {}

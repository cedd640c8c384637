package io.roam.coordinator.store;

/** ZooKeeper failed (connection lost, session expired, …): an infrastructure fault, not an expected outcome. */
public final class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) { super(message, cause); }

    public StoreException(String message) { super(message); }
}

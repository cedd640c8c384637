package io.roam.core.policy;

/** A process about to start (exec time): its id and the memory it is expected to need. */
public record Birth(long process, long memoryBytes) {
    public Birth {
        if (memoryBytes < 0) throw new IllegalArgumentException("memory " + memoryBytes + " < 0");
    }
}

package io.roam.coordinator.jobs;

import io.roam.proto.Caller;

/** A user acts only on their own jobs and checkpoints; root (uid 0) on all. */
public final class Access {
    private Access() {}

    public static boolean isRoot(Caller c) { return c.getUid() == 0; }

    public static boolean mayActOn(Caller c, int ownerUid) { return isRoot(c) || c.getUid() == ownerUid; }
}

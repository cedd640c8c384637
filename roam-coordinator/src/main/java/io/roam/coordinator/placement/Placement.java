package io.roam.coordinator.placement;

import io.roam.core.NodeId;

/** Where a new job goes, or why it goes nowhere. */
public sealed interface Placement {
    record Placed(NodeId node) implements Placement {}

    record Unplaced(String reason) implements Placement {}
}

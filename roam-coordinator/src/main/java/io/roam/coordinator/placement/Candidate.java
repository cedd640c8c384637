package io.roam.coordinator.placement;

import io.roam.core.NodeId;

/** What placement knows about a node: whether it takes jobs, and its latest load. */
public record Candidate(NodeId node, boolean up, boolean draining, int runnable, int cores, int jobs) {}

package io.roam.coordinator.migration;

import io.roam.coordinator.membership.Membership;
import io.roam.core.NodeId;
import io.roam.core.mode.MigrationMode;
import io.roam.core.mode.MigrationModePolicy;
import io.roam.core.mode.ModeDecision;
import io.roam.core.mode.ModeRequest;
import io.roam.core.mode.ModeSettings;
import io.roam.proto.JobInfo;
import io.roam.proto.NodeInfo;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * Feeds {@link MigrationModePolicy} with what the coordinator knows: the job's resident memory from its node's latest
 * report (the image is about that size) and the CRIU features each node reported when it registered.
 */
final class ModeChoice {
    /** The modes the orchestrator can run in this version. */
    static final Set<MigrationMode> IMPLEMENTED = EnumSet.of(MigrationMode.COLD, MigrationMode.POST_COPY);

    private final Membership membership;
    private final MigrationModePolicy policy;

    ModeChoice(Membership membership, ModeSettings settings) {
        this.membership = membership;
        this.policy = new MigrationModePolicy(settings);
    }

    ModeDecision decide(Optional<MigrationMode> asked, JobInfo job, NodeId source, NodeId target) {
        return policy.choose(new ModeRequest(asked, Math.max(0, job.getRssBytes()), features(source), features(target), IMPLEMENTED));
    }

    private Set<String> features(NodeId node) {
        return membership.node(node).map(NodeInfo::getFeaturesList).map(Set::copyOf).orElse(Set.of());
    }
}

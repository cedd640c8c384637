package io.roam.coordinator.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.proto.Caller;
import io.roam.proto.ListEventsRequest;
import io.roam.proto.RoamEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Who sees which events, and the filters. */
class BalanceServiceTest {
    private static final List<RoamEvent> ALL = List.of(
            RoamEvent.newBuilder().setSeq(1).setKind("owner-active").setNode("n2").setUid(-1).build(),
            RoamEvent.newBuilder().setSeq(2).setKind("migrate").setJob("alice1").setUid(1000).setNode("n1").setTarget("n2").build(),
            RoamEvent.newBuilder().setSeq(3).setKind("evict").setJob("bob1").setUid(1001).setNode("n2").build());

    private static List<Long> seen(Caller c, String job, String node) {
        return BalanceService.visible(ALL, ListEventsRequest.newBuilder().setCaller(c).setJob(job).setNode(node).build())
                .stream().map(RoamEvent::getSeq).toList();
    }

    @Test
    void aUserSeesTheirOwnJobsAndTheNodesRootEverything() {
        assertThat(seen(Caller.newBuilder().setUid(1000).build(), "", "")).containsExactly(1L, 2L);
        assertThat(seen(Caller.newBuilder().setUid(1001).build(), "", "")).containsExactly(1L, 3L);
        assertThat(seen(Caller.newBuilder().setUid(0).build(), "", "")).containsExactly(1L, 2L, 3L);
    }

    @Test
    void filtersByJobAndByNodeAsSourceOrTarget() {
        Caller root = Caller.newBuilder().setUid(0).build();
        assertThat(seen(root, "bob1", "")).containsExactly(3L);
        assertThat(seen(root, "", "n2")).containsExactly(1L, 2L, 3L);
        assertThat(seen(root, "", "n1")).containsExactly(2L);
        assertThat(seen(Caller.newBuilder().setUid(1001).build(), "alice1", "")).isEmpty();
    }
}

package io.roam.coordinator.agents;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;

/**
 * A cached channel to an agent whose connection broke (agent restarted, network cut) waits out gRPC's reconnect
 * backoff, which grows to two minutes: every call in that time fails at once, although the agent may long be back.
 * The coordinator only calls agents it has reason to believe are there, so it reconnects now instead.
 */
public final class ChannelBackoff {
    private ChannelBackoff() {}

    public static ManagedChannel reconnectingNow(ManagedChannel ch) {
        if (ch.getState(false) == ConnectivityState.TRANSIENT_FAILURE) ch.resetConnectBackoff();
        return ch;
    }
}

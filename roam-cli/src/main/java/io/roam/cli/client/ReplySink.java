package io.roam.cli.client;

import com.google.protobuf.ByteString;

/** Receives what the agent streams before Done, in order, as it arrives. */
public interface ReplySink {
    void out(ByteString bytes);

    void err(ByteString bytes);

    void progress(String line);

    /** One event of roam events; other commands never receive any. */
    default void event(io.roam.proto.RoamEvent event) {}
}

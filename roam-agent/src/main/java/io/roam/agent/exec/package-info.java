/**
 * {@code roam exec}: a command run on the best node with the caller's stdin, stdout, stderr, signals and exit code,
 * for {@code make -j}. The agent the CLI talks to places the command itself from a view of node loads it refreshes
 * from the coordinator every second ({@link io.roam.agent.exec.NodeView}): the coordinator is never on the path of one
 * command, which is what keeps per-command overhead low. Here it runs through the roam-exec launcher
 * ({@link io.roam.agent.exec.CommandProcess}); elsewhere through the peer agent's {@code Exec} gRPC stream
 * ({@link io.roam.agent.exec.PeerExec}, served by {@link io.roam.agent.exec.ExecService}).
 */
package io.roam.agent.exec;

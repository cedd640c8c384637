/**
 * Sandboxes for jobs and the supervision that keeps them reaped.
 *
 * <p>A job runs under {@code roam-init} (from roam-native), PID 1 of the job's own PID+IPC namespace, which forwards
 * signals and records the exit code in the spool directory. The launcher process exits at once and leaves that init
 * orphaned: it is adopted by the nearest child subreaper, {@code roam-supervise}, under which every daemon runs, and
 * which logs the exit status of everything it reaps. So a job outlives its agent, and its exit code can be read after
 * an agent restart ({@link io.roam.agent.sandbox.ExitRecords}).
 *
 * <ul>
 *   <li>{@link io.roam.agent.sandbox.SandboxLauncher}: validates and starts a job, answers a {@link
 *       io.roam.agent.sandbox.LaunchOutcome}.</li>
 *   <li>{@link io.roam.agent.sandbox.JobProcesses}: /proc queries and signals (pid-reuse safe with start times).</li>
 *   <li>{@link io.roam.agent.sandbox.Supervisors}: starting and poking {@code roam-supervise}.</li>
 * </ul>
 */
package io.roam.agent.sandbox;

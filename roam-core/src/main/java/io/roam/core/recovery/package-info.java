/**
 * Periodic checkpoints and restart after a node's death (roam run --checkpoint-every): which job is due for a new
 * image kept off its node, and which job to restart from its kept image because its node died. Pure: the coordinator's
 * Keeper feeds it the job records, the nodes' states and the time, and carries out what it decides.
 */
package io.roam.core.recovery;

/**
 * A job's spool directory (its output files and TMPDIR) following it to another machine: the agent side of the
 * Spool service (spool.proto). Files keep their owner and mode; every file is checked with CRC32C on arrival; the
 * copy becomes the job's spool directory only once it arrived whole.
 */
package io.roam.agent.spool;

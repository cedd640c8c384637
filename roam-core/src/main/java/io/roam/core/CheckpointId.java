package io.roam.core;

import java.util.regex.Pattern;

/** A checkpoint image: {@code <job>.<sequence>}, for example {@code counter.3}. */
public record CheckpointId(String value) {
    private static final Pattern VALID = Pattern.compile("([A-Za-z0-9][A-Za-z0-9_-]{0,62})\\.([0-9]{1,9})");

    public CheckpointId {
        if (value == null || !VALID.matcher(value).matches()) {
            throw new IllegalArgumentException("invalid checkpoint id '" + value + "': expected JOB.N, as printed by roam checkpoint");
        }
    }

    public static CheckpointId of(JobId job, int sequence) { return new CheckpointId(job.value() + "." + sequence); }

    public static CheckpointId parse(String value) { return new CheckpointId(value); }

    public JobId job() { return new JobId(value.substring(0, value.lastIndexOf('.'))); }

    public int sequence() { return Integer.parseInt(value.substring(value.lastIndexOf('.') + 1)); }

    @Override public String toString() { return value; }
}

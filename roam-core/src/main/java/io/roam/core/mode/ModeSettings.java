package io.roam.core.mode;

/**
 * The policy's knobs. Below {@code liveThresholdBytes} a cold move freezes the job briefly enough that nothing else is
 * worth its risk or overhead. {@code allowPostCopy} is false for operators who will not accept post-copy's one-way
 * risk when roam chooses (an explicit {@code --live} still runs it).
 */
public record ModeSettings(long liveThresholdBytes, boolean allowPostCopy) {
    /** 256 MiB: a cold move of that much freezes a job for roughly 0.1–0.5 s on the machines measured. */
    public static final ModeSettings DEFAULTS = new ModeSettings(256L << 20, true);

    public ModeSettings {
        if (liveThresholdBytes < 0) throw new IllegalArgumentException("live threshold " + liveThresholdBytes + " B < 0");
    }
}

package io.roam.core.codec;

/** How image bytes travel between agents: as they are, or zstd-compressed at a level. */
public enum ImageCodec {
    NONE("none", 0),
    /** zstd's fast mode (negative level): about twice zstd-1's speed for a little less compression. */
    ZSTD_FAST("zstd-fast", -3),
    ZSTD_1("zstd-1", 1);

    private final String label;
    private final int level;

    ImageCodec(String label, int level) {
        this.label = label;
        this.level = level;
    }

    public String label() { return label; }

    /** The zstd level (meaningless for {@link #NONE}). */
    public int level() { return level; }
}

package io.roam.core.codec;

import java.util.Locale;

/**
 * Chooses the codec of an image transfer from a sample of the image and the link's measured rate (pure).
 *
 * <p>Each codec's image rate is estimated as: compress, then send the compressed bytes. With few cores (the sender
 * also encrypts and frames every byte) the two share the CPU, so their times add: {@code 1 / (1/compress + ratio/link)};
 * with cores to spare they overlap: {@code min(compress, link / ratio)}. The fastest wins; compression must beat
 * sending as is by {@link #MIN_GAIN} (it costs CPU on both sides, and the target must decompress), and a codec that
 * saves less than {@link #MIN_SAVING} of the bytes is never worth it (random data, already compressed pages).
 */
public final class CodecPolicy {
    public static final double MIN_GAIN = 1.10;
    public static final double MIN_SAVING = 0.10;

    private CodecPolicy() {}

    /** The choice and why, in a few words for the progress line. */
    public record Choice(ImageCodec codec, String reason) {}

    public static Choice choose(CodecSample s, double linkMBps, int cores) {
        if (!(linkMBps > 0)) throw new IllegalArgumentException("link rate must be positive: " + linkMBps);
        double none = linkMBps;
        ImageCodec best = ImageCodec.NONE;
        double bestRate = none;
        for (ImageCodec c : new ImageCodec[] {ImageCodec.ZSTD_FAST, ImageCodec.ZSTD_1}) {
            if (1 - s.ratio(c) < MIN_SAVING) continue;
            double r = rate(s.mbPerS(c), s.ratio(c), linkMBps, cores);
            if (r > bestRate * (best == ImageCodec.NONE ? MIN_GAIN : 1.0)) {
                best = c;
                bestRate = r;
            }
        }
        String saves = String.format(Locale.ROOT, "zstd-1 saves %.0f%% at %.0f MB/s, link %.0f MB/s", 100 * (1 - s.ratio(ImageCodec.ZSTD_1)),
                s.mbPerS(ImageCodec.ZSTD_1), linkMBps);
        return new Choice(best, saves);
    }

    /** The image rate (raw MB/s) of a codec that compresses at {@code compress} MB/s to {@code ratio} over a {@code link}. */
    static double rate(double compress, double ratio, double link, int cores) {
        if (Double.isInfinite(compress)) return link / ratio;
        return cores <= 2 ? 1 / (1 / compress + ratio / link) : Math.min(compress, link / ratio);
    }
}

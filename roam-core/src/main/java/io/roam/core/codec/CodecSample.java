package io.roam.core.codec;

/**
 * What compressing a sample of the image cost and saved: {@code rawBytes} compressed by each zstd codec to so many
 * bytes in so many nanoseconds of one thread.
 */
public record CodecSample(long rawBytes, long zstd1Bytes, long zstd1Nanos, long fastBytes, long fastNanos) {
    public CodecSample {
        if (rawBytes <= 0) throw new IllegalArgumentException("an empty sample");
    }

    public double ratio(ImageCodec c) {
        return switch (c) {
            case NONE -> 1.0;
            case ZSTD_1 -> (double) zstd1Bytes / rawBytes;
            case ZSTD_FAST -> (double) fastBytes / rawBytes;
        };
    }

    /** Raw MB compressed per second by one thread; infinite for {@link ImageCodec#NONE}. */
    public double mbPerS(ImageCodec c) {
        long ns = switch (c) {
            case NONE -> 0;
            case ZSTD_1 -> zstd1Nanos;
            case ZSTD_FAST -> fastNanos;
        };
        return ns <= 0 ? Double.POSITIVE_INFINITY : rawBytes / 1e6 / (ns / 1e9);
    }

    /** Two samples as one. */
    public CodecSample plus(CodecSample o) {
        return new CodecSample(rawBytes + o.rawBytes, zstd1Bytes + o.zstd1Bytes, zstd1Nanos + o.zstd1Nanos, fastBytes + o.fastBytes,
                fastNanos + o.fastNanos);
    }
}

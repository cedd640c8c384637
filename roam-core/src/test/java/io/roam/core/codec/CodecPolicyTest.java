package io.roam.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class CodecPolicyTest {
    private static final long MB = 1_000_000;

    /** A sample of 100 MB: zstd-1 to {@code r1} at {@code s1} MB/s, zstd-fast to {@code rf} at {@code sf} MB/s. */
    private static CodecSample sample(double r1, double s1, double rf, double sf) {
        return new CodecSample(100 * MB, (long) (r1 * 100 * MB), (long) (100 / s1 * 1e9), (long) (rf * 100 * MB), (long) (100 / sf * 1e9));
    }

    /** Columns: zstd-1 ratio, its MB/s, zstd-fast ratio, its MB/s, link MB/s, cores, expected codec. */
    @ParameterizedTest(name = "ratio {0}@{1} fast {2}@{3} link {4} cores {5} -> {6}")
    @CsvSource(delimiter = '|', value = {
            // random memory: nothing to save, send as is, however slow the link
            "1.00 | 900 | 1.00 | 2000 | 1000 | 2 | NONE",
            "0.95 | 400 | 0.97 | 900  | 10   | 2 | NONE",
            // text-like memory over a fast link: compressing would be the bottleneck
            "0.55 | 350 | 0.62 | 700  | 1000 | 2 | NONE",
            "0.55 | 350 | 0.62 | 700  | 1000 | 8 | NONE",
            // the same over a slow link: compression pays
            "0.55 | 350 | 0.62 | 700  | 100  | 2 | ZSTD_FAST",
            "0.30 | 350 | 0.60 | 700  | 50   | 2 | ZSTD_1",
            // mostly zeros: both compress to almost nothing, the faster one wins
            "0.01 | 2000 | 0.01 | 4000 | 500 | 2 | ZSTD_FAST",
            // with cores to spare compression overlaps sending
            "0.50 | 350 | 0.60 | 700  | 300  | 8 | ZSTD_FAST",
            // a gain under 10% is not worth the CPU
            "0.80 | 5000 | 0.85 | 9000 | 1000 | 2 | NONE",
    })
    void choosesTheFastestCodecForTheLink(double r1, double s1, double rf, double sf, double link, int cores, ImageCodec expected) {
        var c = CodecPolicy.choose(sample(r1, s1, rf, sf), link, cores);
        assertThat(c.codec()).isEqualTo(expected);
        assertThat(c.reason()).contains("zstd-1 saves").contains("link " + (int) link + " MB/s");
    }

    @Test
    void theModelAddsTimesOnTwoCoresAndOverlapsThemOnMore() {
        assertThat(CodecPolicy.rate(200, 0.5, 200, 2)).isCloseTo(1 / (1 / 200.0 + 0.5 / 200), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(CodecPolicy.rate(200, 0.5, 200, 4)).isEqualTo(200);
        assertThat(CodecPolicy.rate(Double.POSITIVE_INFINITY, 1, 123, 2)).isEqualTo(123);
    }

    @Test
    void samplesAddUpAndRefuseNonsense() {
        var a = sample(0.5, 100, 0.6, 200).plus(sample(0.5, 100, 0.6, 200));
        assertThat(a.ratio(ImageCodec.ZSTD_1)).isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(a.mbPerS(ImageCodec.ZSTD_FAST)).isCloseTo(200, org.assertj.core.data.Offset.offset(1e-6));
        assertThatThrownBy(() -> new CodecSample(0, 0, 0, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CodecPolicy.choose(sample(1, 1, 1, 1), 0, 2)).isInstanceOf(IllegalArgumentException.class);
    }
}

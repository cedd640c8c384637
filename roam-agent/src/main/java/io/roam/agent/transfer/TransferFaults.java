package io.roam.agent.transfer;

import io.roam.core.codec.ImageCodec;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Test knobs of the sending side, read from the agent's environment; all off unless set.
 * <ul>
 *   <li>{@code ROAM_FAULT=corrupt-transfer}: flips one byte of the image in flight (after the manifest was written),
 *       so that the target's checksum verification must refuse it.</li>
 *   <li>{@code ROAM_TRANSFER_LIMIT_MBPS=N}: sends at most N MB of image per second (to make a transfer slow enough
 *       to interrupt in tests).</li>
 *   <li>{@code ROAM_TRANSFER_CODEC=none|zstd-fast|zstd-1}: always this codec instead of choosing one per transfer
 *       (to measure the choice against a fixed codec).</li>
 * </ul>
 */
public record TransferFaults(boolean corrupt, OptionalLong limitBytesPerSecond, Optional<ImageCodec> codec) {
    public static final String FAULT_ENV = "ROAM_FAULT";
    public static final String LIMIT_ENV = "ROAM_TRANSFER_LIMIT_MBPS";
    public static final String CODEC_ENV = "ROAM_TRANSFER_CODEC";

    public static TransferFaults none() { return new TransferFaults(false, OptionalLong.empty(), Optional.empty()); }

    public static TransferFaults fromEnvironment(Map<String, String> env) {
        var faults = Arrays.asList(env.getOrDefault(FAULT_ENV, "").split(","));
        String limit = env.getOrDefault(LIMIT_ENV, "").strip();
        OptionalLong bps = limit.isEmpty() ? OptionalLong.empty() : OptionalLong.of((long) (Double.parseDouble(limit) * 1_000_000));
        String c = env.getOrDefault(CODEC_ENV, "").strip();
        Optional<ImageCodec> codec = Arrays.stream(ImageCodec.values()).filter(x -> x.label().equals(c)).findFirst();
        if (!c.isEmpty() && codec.isEmpty()) throw new IllegalArgumentException(CODEC_ENV + " must be none, zstd-fast or zstd-1, not " + c);
        return new TransferFaults(faults.contains("corrupt-transfer"), bps, codec);
    }

    boolean any() { return corrupt || limitBytesPerSecond.isPresent() || codec.isPresent(); }
}

package io.roam.agent.transfer;

import java.util.Arrays;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Test knobs of the sending side, read from the agent's environment; all off unless set.
 * <ul>
 *   <li>{@code ROAM_FAULT=corrupt-transfer}: flips one byte of the image in flight (after the manifest was written),
 *       so that the target's checksum verification must refuse it.</li>
 *   <li>{@code ROAM_TRANSFER_LIMIT_MBPS=N}: sends at most N MB of image per second (to make a transfer slow enough
 *       to interrupt in tests).</li>
 * </ul>
 */
public record TransferFaults(boolean corrupt, OptionalLong limitBytesPerSecond) {
    public static final String FAULT_ENV = "ROAM_FAULT";
    public static final String LIMIT_ENV = "ROAM_TRANSFER_LIMIT_MBPS";

    public static TransferFaults none() { return new TransferFaults(false, OptionalLong.empty()); }

    public static TransferFaults fromEnvironment(Map<String, String> env) {
        boolean corrupt = Arrays.asList(env.getOrDefault(FAULT_ENV, "").split(",")).contains("corrupt-transfer");
        String limit = env.getOrDefault(LIMIT_ENV, "").strip();
        OptionalLong bps = limit.isEmpty() ? OptionalLong.empty() : OptionalLong.of((long) (Double.parseDouble(limit) * 1_000_000));
        return new TransferFaults(corrupt, bps);
    }
}

package io.roam.core.net;

import java.util.Optional;
import java.util.Set;

/**
 * The IPv4 range the coordinator hands --net jobs their addresses from (for example {@code 10.128.5.0/24}), and the
 * choice of a free address in it. Pure: what is taken is passed in. The network and broadcast addresses are never
 * handed out.
 */
public record JobAddressPool(int network, int prefixLength) {
    public JobAddressPool {
        if (prefixLength < 16 || prefixLength > 30) {
            throw new IllegalArgumentException("a job address range must be a /16 to /30, not /" + prefixLength);
        }
        if ((network & ~mask(prefixLength)) != 0) {
            throw new IllegalArgumentException(Ipv4.format(network) + "/" + prefixLength + " is not a network address: use "
                    + Ipv4.format(network & mask(prefixLength)) + "/" + prefixLength);
        }
    }

    /** Parses {@code A.B.C.D/N}. */
    public static JobAddressPool parse(String cidr) {
        int slash = cidr.indexOf('/');
        if (slash < 0) throw new IllegalArgumentException("job address range '" + cidr + "' is not A.B.C.D/N");
        int len;
        try {
            len = Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("job address range '" + cidr + "' is not A.B.C.D/N");
        }
        return new JobAddressPool(Ipv4.parse(cidr.substring(0, slash)), len);
    }

    /** How many addresses jobs can get. */
    public int size() { return (1 << (32 - prefixLength)) - 2; }

    /** The i-th usable address (0-based), i in [0, size). */
    public String address(int i) {
        if (i < 0 || i >= size()) throw new IndexOutOfBoundsException(i);
        return Ipv4.format(network + 1 + i);
    }

    public boolean contains(String address) {
        int a;
        try {
            a = Ipv4.parse(address);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return (a & mask(prefixLength)) == network && a != network && a != (network | ~mask(prefixLength));
    }

    /**
     * The first address not in {@code taken}, searching from the {@code start}-th one (mod size) round the range, so
     * that a just-released address is not handed out again at once; empty when the range is full.
     */
    public Optional<String> pick(Set<String> taken, int start) {
        int n = size();
        int from = Math.floorMod(start, n);
        for (int i = 0; i < n; i++) {
            String a = address((from + i) % n);
            if (!taken.contains(a)) return Optional.of(a);
        }
        return Optional.empty();
    }

    @Override
    public String toString() { return Ipv4.format(network) + "/" + prefixLength; }

    private static int mask(int len) { return len == 0 ? 0 : -1 << (32 - len); }
}

package io.roam.criu.inspect;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class InetTablesTest {
    @Test
    void parsesAnIpv4Line() {
        var s = InetTables.parse("   1: 0100007F:1388 0100007F:9C3E 01 00000000:00000000 00:00000000 00000000     0        0 28001 1 0000 20 4 30 10 -1", true);
        assertThat(s).isEqualTo(new InetTables.InetSock(28001, true, InetTables.TCP_ESTABLISHED, "127.0.0.1:5000", "127.0.0.1:39998", 5000));
    }

    @Test
    void parsesAnIpv6Line() {
        var s = InetTables.parse("   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000 100 0 0 10 0", true);
        assertThat(s.local()).isEqualTo("[0:0:0:0:0:0:0:1]:8080");
        assertThat(s.state()).isEqualTo(InetTables.TCP_LISTEN);
        var mapped = InetTables.parse("   0: 0000000000000000FFFF00000100007F:1F90 00000000000000000000000000000000:0000 0A 0 0 0 0 0 778", true);
        assertThat(mapped.local()).isEqualTo("127.0.0.1:8080");
    }

    @Test
    void ignoresMalformedLines() {
        assertThat(InetTables.parse("garbage", true)).isNull();
    }
}

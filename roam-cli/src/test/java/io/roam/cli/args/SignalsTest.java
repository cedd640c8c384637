package io.roam.cli.args;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.TypeConversionException;

class SignalsTest {
    @ParameterizedTest
    @CsvSource({"TERM,15", "SIGTERM,15", "term,15", "SigKill,9", "KILL,9", "INT,2", "HUP,1", "QUIT,3", "USR1,10",
        "USR2,12", "STOP,19", "CONT,18", "CHLD,17", "CLD,17", "IOT,6", "ABRT,6", "WINCH,28", "SYS,31", "POLL,29",
        "1,1", "9,9", "15,15", "64,64", "' 15 ',15", "RTMIN,34", "SIGRTMIN+1,35", "RTMAX,64", "RTMAX-2,62"})
    void namesAndNumbersMapToLinuxSignalNumbers(String text, int number) {
        assertThat(Signals.parse(text)).hasValue(number);
        assertThat(new SignalConverter().convert(text)).isEqualTo(number);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "SIG", "BOGUS", "0", "65", "-9", "999", "TERM2", "RTMIN-1", "RTMAX+1", "RTMIN+31", "RTMIN+",
        "9x", "SIGSIGTERM"})
    void anythingElseIsRefused(String text) {
        assertThat(Signals.parse(text)).isEmpty();
        assertThatThrownBy(() -> new SignalConverter().convert(text)).isInstanceOf(TypeConversionException.class)
                .hasMessageContaining("unknown signal '" + text + "'").hasMessageContaining("TERM");
    }

    @Test
    void namesRoundTrip() {
        for (int n = 1; n <= Signals.RTMAX; n++) {
            if (n == 32 || n == 33) continue; // reserved by glibc, no name
            assertThat(Signals.parse(Signals.name(n))).as("signal %d named %s", n, Signals.name(n)).hasValue(n);
        }
        assertThat(Signals.name(15)).isEqualTo("TERM");
        assertThat(Signals.name(36)).isEqualTo("RTMIN+2");
    }
}

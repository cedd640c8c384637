package io.roam.cli.args;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.TypeConversionException;

class DurationConverterTest {
    @ParameterizedTest
    @CsvSource({"30s,30000", "5m,300000", "2h,7200000", "1d,86400000", "500ms,500", "1h30m,5400000", "1m30s,90000",
        "90,90000", "0,0", "PT90S,90000", "pt2m,120000", "' 10S ',10000", "1d2h3m4s5ms,93784005"})
    void parses(String text, long millis) {
        assertThat(DurationConverter.parse(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "soon", "5", "-5s", "5x", "s", "5 m", "m5", "PT-5S", "P", "5s5", "1234567890123s"})
    void refusesWhatIsNoDuration(String text) {
        if (text.equals("5")) {
            assertThat(DurationConverter.parse(text)).isEqualTo(Duration.ofSeconds(5)); // a bare number is seconds
            return;
        }
        assertThatThrownBy(() -> DurationConverter.parse(text)).isInstanceOf(TypeConversionException.class)
                .hasMessageContaining("invalid duration '" + text + "'");
    }
}

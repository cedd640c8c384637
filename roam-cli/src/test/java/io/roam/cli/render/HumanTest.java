package io.roam.cli.render;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HumanTest {
    @ParameterizedTest
    @CsvSource({"0,0s", "-5,0s", "5,5s", "59,59s", "60,1m", "3599,59m", "3600,1h", "86399,23h", "86400,1d", "400000,4d"})
    void ages(long seconds, String text) {
        assertThat(Human.age(Duration.ofSeconds(seconds))).isEqualTo(text);
    }

    @ParameterizedTest
    @CsvSource({"0,0B", "512,512B", "1023,1023B", "1024,1.0K", "1536,1.5K", "12897485,12.3M", "104857600,100M",
        "1073217536,1.0G", "1047527424,999M", "1048051712,1.0G", "1048523162,1.0G", "2147483648,2.0G", "5497558138880,5.0T"})
    void sizes(long bytes, String text) {
        assertThat(Human.bytes(bytes)).isEqualTo(text);
    }

    @Test
    void truncation() {
        assertThat(Human.truncate("short", 10)).isEqualTo("short");
        assertThat(Human.truncate("exactly10!", 10)).isEqualTo("exactly10!");
        assertThat(Human.truncate("a longer command line", 10)).isEqualTo("a longe...").hasSize(10);
    }

    @Test
    void controlCharactersBecomeSpacesSoARowStaysOneLine() {
        assertThat(Human.truncate("python3 -c \nimport time\n\tb=1", 60)).isEqualTo("python3 -c  import time b=1");
    }
}

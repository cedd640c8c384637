package io.roam.cli.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TableTest {
    @Test
    void columnsAreAsWideAsTheirWidestCellAndTheLastIsNotPadded() {
        var t = new Table("ID", "STATE", "COMMAND").row("a", "RUNNING", "sleep 1").row("longer-id", "LOST", "x");
        assertThat(t.render()).isEqualTo(
                "ID         STATE    COMMAND\n"
                + "a          RUNNING  sleep 1\n"
                + "longer-id  LOST     x\n");
        assertThat(t.widthBeforeLast()).isEqualTo(11 + 9);
    }

    @Test
    void theLastColumnCanBeCut() {
        var t = new Table("ID", "COMMAND").row("a", "0123456789abcdef");
        assertThat(t.render(10)).isEqualTo("ID  COMMAND\na   0123456...\n");
    }

    @Test
    void aRowMustFitTheHeader() {
        assertThatThrownBy(() -> new Table("A", "B").row("only one")).isInstanceOf(IllegalArgumentException.class);
    }
}

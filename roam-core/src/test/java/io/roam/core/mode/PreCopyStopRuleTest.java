package io.roam.core.mode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roam.core.mode.PreCopyStopRule.Verdict;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PreCopyStopRuleTest {
    private static final long MIB = 1L << 20;
    /** 8 rounds, 16 MiB small enough, 10% shrink. */
    private static final PreCopyStopRule RULE = new PreCopyStopRule(8, 16 * MIB, 0.10);

    private static List<Long> mib(String rounds) {
        return Arrays.stream(rounds.trim().split("\\s+")).map(s -> Long.parseLong(s) * MIB).toList();
    }

    /** Columns: MiB written per round so far, expected verdict, a phrase of its reason. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            // round 0 only: go on to see the dirty rate, unless everything already fits the freeze
            "1024              | continue | the next round shows",
            "12                | stop     | the whole memory",
            // small enough
            "1024 16           | stop     | within the freeze budget",
            "1024 200 15       | stop     | round 2 dirtied 15.0 MiB",
            // shrinking well: another round
            "1024 200          | continue | round 1 dirtied 200.0 MiB after 1024.0 MiB",
            "1024 200 100      | continue | after 200.0 MiB",
            // stopped shrinking: a steady writer, one that grows, one that shrinks too little
            "1024 200 200      | stop     | stopped shrinking",
            "1024 200 260      | stop     | stopped shrinking",
            "1024 200 181      | stop     | less than 10% smaller",
            "1024 200 180      | continue | round 2 dirtied 180.0 MiB",
            // the bound, however it goes
            "1024 900 800 700 600 500 400 300 | stop | 8 rounds ran",
            "1024 900 800 700 600 500 400     | continue | round 6",
    })
    void decides(String rounds, String expected, String phrase) {
        Verdict v = RULE.after(mib(rounds));
        assertThat(v).isInstanceOf(expected.equals("stop") ? Verdict.Stop.class : Verdict.Continue.class);
        assertThat(v.why()).contains(phrase);
    }

    @Test
    void aSteadyWriterStopsAfterThreeRoundsAndAShrinkingOneWithinTheBound() {
        // the full copy, then twice the same 300 MiB
        assertThat(roundsUntilStop(n -> n == 0 ? 1024 * MIB : 300 * MIB)).isEqualTo(3);
        // halving each round: 1024, 512, ..., 16 MiB is small enough in round 6
        assertThat(roundsUntilStop(n -> (1024 * MIB) >> n)).isEqualTo(7);
        // shrinking by 15% a round never gets small: the bound ends it
        assertThat(roundsUntilStop(n -> (long) (1024 * MIB * Math.pow(0.85, n)))).isEqualTo(8);
    }

    @Test
    void theFreezeBudgetSetsTheSmallEnoughBound() {
        // 300 ms at 200 MB/s: 60 MB
        PreCopyStopRule r = PreCopyStopRule.forFreeze(300, 200_000_000);
        assertThat(r.after(List.of(1024 * MIB, 57 * MIB))).isInstanceOf(Verdict.Stop.class);
        assertThat(r.after(List.of(1024 * MIB, 58 * MIB))).isInstanceOf(Verdict.Continue.class);
        assertThat(PreCopyStopRule.forFreeze(0, 200_000_000).after(List.of(1024 * MIB, 1L))).isInstanceOf(Verdict.Continue.class);
    }

    @Test
    void nonsenseIsRefused() {
        assertThatThrownBy(() -> RULE.after(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RULE.after(List.of(5L, -1L))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PreCopyStopRule(0, 0, 0.1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PreCopyStopRule(8, -1, 0.1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PreCopyStopRule(8, 0, 1.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PreCopyStopRule.forFreeze(-1, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    private static int roundsUntilStop(java.util.function.IntToLongFunction writtenInRound) {
        List<Long> written = new ArrayList<>();
        for (int n = 0; n < 100; n++) {
            written.add(writtenInRound.applyAsLong(n));
            if (RULE.after(written) instanceof Verdict.Stop) return written.size();
        }
        throw new AssertionError("never stopped");
    }
}

package io.roam.core.mode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MigrationModePolicyTest {
    private static final long MIB = 1L << 20;

    /**
     * Columns: asked mode (- for none), image MiB, source features, target features (d = mem_dirty_track,
     * l = lazy_pages, - none), implemented modes (c, p = pre-copy, l = live), post-copy allowed, expected answer
     * (a mode's flag, or refused), a phrase the explanation must contain.
     */
    @ParameterizedTest(name = "{0} {1} MiB src={2} dst={3} impl={4} allow={5} -> {6}")
    @CsvSource(delimiter = '|', value = {
            // explicit cold always runs cold
            "cold    | 3072 | dl | dl | cpl | true  | cold    | cold was asked for",
            // explicit live: runs when possible, refused with the reason otherwise, never replaced
            "live    | 64   | l  | l  | cpl | true  | live    | post-copy was asked for",
            "live    | 64   | l  | l  | cpl | false | live    | post-copy was asked for",
            "live    | 1024 | -  | l  | cpl | true  | refused | the source cannot serve lazy pages",
            "live    | 1024 | l  | -  | cpl | true  | refused | the target cannot serve lazy pages",
            "live    | 1024 | -  | -  | cpl | true  | refused | the source and the target cannot",
            "live    | 1024 | l  | l  | c   | true  | refused | this version of roam cannot run post-copy",
            // explicit pre-copy: runs with soft-dirty tracking, falls back (and says so) without it
            "precopy | 1024 | dl | l  | cpl | true  | precopy | pre-copy was asked for",
            "precopy | 1024 | l  | l  | cpl | true  | live    | no soft-dirty tracking",
            "precopy | 1024 | l  | l  | cpl | false | cold    | not allowed by the policy",
            "precopy | 1024 | -  | -  | cpl | true  | cold    | falling back to cold",
            "precopy | 1024 | d  | l  | c   | true  | cold    | this version of roam cannot run pre-copy",
            // automatic: small images move cold
            "-       | 0    | dl | dl | cpl | true  | cold    | not reported yet",
            "-       | 64   | dl | dl | cpl | true  | cold    | under the 256 MiB threshold",
            "-       | 255  | dl | dl | cpl | true  | cold    | under the 256 MiB threshold",
            // automatic: large images prefer pre-copy, then post-copy, then cold
            "-       | 256  | dl | dl | cpl | true  | precopy | keeps the job safe",
            "-       | 3072 | dl | dl | cpl | true  | precopy | image 3 GiB",
            "-       | 1024 | l  | l  | cpl | true  | live    | lost if the source dies",
            "-       | 1024 | l  | l  | cpl | false | cold    | not allowed by the policy",
            "-       | 1024 | l  | -  | cpl | true  | cold    | the target cannot serve lazy pages",
            "-       | 1024 | l  | l  | c   | true  | cold    | this version of roam cannot run post-copy",
            // this machine (no soft-dirty, lazy pages ok) with this build (cold only)
            "-       | 1024 | l  | l  | c   | true  | cold    | no soft-dirty tracking"})
    void choosesByRequestImageFeaturesAndPolicy(String asked, long mib, String src, String dst, String impl, boolean allow,
                                               String expected, String phrase) {
        ModeRequest r = new ModeRequest(asked.equals("-") ? Optional.empty() : MigrationMode.parse(asked), mib * MIB,
                features(src), features(dst), modes(impl));
        ModeDecision d = new MigrationModePolicy(new ModeSettings(256 * MIB, allow)).choose(r);
        if (expected.equals("refused")) {
            assertThat(d).isInstanceOfSatisfying(ModeDecision.Refused.class, f -> assertThat(f.reason()).contains(phrase));
        } else {
            assertThat(d).isInstanceOfSatisfying(ModeDecision.Chosen.class, c -> {
                assertThat(c.mode().flag()).isEqualTo(expected);
                assertThat(c.explanation()).contains(phrase);
            });
        }
    }

    @Test
    void parsesTheCliNames() {
        assertThat(MigrationMode.parse("LIVE")).contains(MigrationMode.POST_COPY);
        assertThat(MigrationMode.parse("post-copy")).contains(MigrationMode.POST_COPY);
        assertThat(MigrationMode.parse("pre-copy")).contains(MigrationMode.PRE_COPY);
        assertThat(MigrationMode.parse(" cold ")).contains(MigrationMode.COLD);
        assertThat(MigrationMode.parse("warm")).isEmpty();
        for (MigrationMode m : MigrationMode.values()) assertThat(MigrationMode.parse(m.flag())).contains(m);
    }

    @Test
    void rejectsImpossibleRequests() {
        assertThatThrownBy(() -> new ModeRequest(Optional.empty(), -1, Set.of(), Set.of(), Set.of(MigrationMode.COLD)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ModeRequest(Optional.empty(), 0, Set.of(), Set.of(), Set.of(MigrationMode.POST_COPY)))
                .hasMessageContaining("cold");
        assertThatThrownBy(() -> new ModeSettings(-1, true)).isInstanceOf(IllegalArgumentException.class);
    }

    private static Set<String> features(String code) {
        return Arrays.stream(code.split("")).filter(s -> !s.equals("-"))
                .map(s -> s.equals("d") ? ModeRequest.MEM_DIRTY_TRACK : ModeRequest.LAZY_PAGES).collect(Collectors.toSet());
    }

    private static Set<MigrationMode> modes(String code) {
        EnumSet<MigrationMode> s = EnumSet.noneOf(MigrationMode.class);
        for (String c : code.split("")) {
            s.add(switch (c) {
                case "c" -> MigrationMode.COLD;
                case "p" -> MigrationMode.PRE_COPY;
                case "l" -> MigrationMode.POST_COPY;
                default -> throw new IllegalArgumentException(c);
            });
        }
        return s;
    }
}

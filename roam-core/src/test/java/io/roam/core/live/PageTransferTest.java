package io.roam.core.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.core.live.PageTransfer.Rollback;
import io.roam.core.live.PageTransfer.Side;
import io.roam.core.live.PageTransfer.Verdict;
import org.junit.jupiter.api.Test;

class PageTransferTest {
    private static final Side OK = new Side(true, true, "");
    private static final Side DOWN = Side.unreachable("UNAVAILABLE");

    @Test
    void theTargetHavingEveryPageCompletesWhateverTheSourceSays() {
        assertThat(PageTransfer.afterResume("n1", "n2", OK, OK)).isInstanceOf(Verdict.Complete.class);
        assertThat(PageTransfer.afterResume("n1", "n2", DOWN, OK)).isInstanceOf(Verdict.Complete.class);
        assertThat(PageTransfer.afterResume("n1", "n2", new Side(true, false, "x"), OK)).isInstanceOf(Verdict.Complete.class);
    }

    @Test
    void aFailedTargetIsLostWithTheSourcesReasonWhenItHasOne() {
        var v = PageTransfer.afterResume("n1", "n2", new Side(true, false, "page server killed"), new Side(true, false, "lazy-pages exit 1"));
        assertThat(v).isEqualTo(new Verdict.Lost("post-copy from n1 to n2 broke before every page arrived on n2: page server killed"));
        var w = PageTransfer.afterResume("n1", "n2", DOWN, new Side(true, false, "lazy-pages exit 1"));
        assertThat(((Verdict.Lost) w).reason()).endsWith(": lazy-pages exit 1");
    }

    @Test
    void anUnreachableTargetCountsOnlyWhenTheSourceSentEverything() {
        assertThat(PageTransfer.afterResume("n1", "n2", OK, DOWN)).isInstanceOf(Verdict.Complete.class);
        assertThat(PageTransfer.afterResume("n1", "n2", DOWN, DOWN)).isInstanceOf(Verdict.Lost.class);
        assertThat(((Verdict.Lost) PageTransfer.afterResume("n1", "n2", new Side(true, false, "exit 1"), DOWN)).reason())
                .contains("stopped answering").contains("n1 says: exit 1");
    }

    @Test
    void afterACoordinatorRestartATargetThatForgotIsJudgedByTheJobRunningThere() {
        Side forgot = new Side(true, false, "no live migration of job j on n2");
        assertThat(PageTransfer.afterRestart("n1", "n2", OK, forgot, true, true)).isInstanceOf(Verdict.Complete.class);
        assertThat(PageTransfer.afterRestart("n1", "n2", OK, forgot, true, false)).isEqualTo(new Verdict.Lost(
                "post-copy from n1 to n2: the agent on n2 restarted during the page phase and the job no longer runs there"));
        // a target that remembers: as right after the resume, whether the job runs or not
        assertThat(PageTransfer.afterRestart("n1", "n2", DOWN, OK, false, false)).isInstanceOf(Verdict.Complete.class);
        assertThat(PageTransfer.afterRestart("n1", "n2", OK, new Side(true, false, "lazy-pages exit 1"), false, true))
                .isInstanceOf(Verdict.Lost.class);
    }

    @Test
    void beforeTheResumeOnlyAGoneSourceLosesTheJob() {
        assertThat(PageTransfer.beforeResume(true, true)).isEqualTo(Rollback.RESUMED_ON_SOURCE);
        assertThat(PageTransfer.beforeResume(true, false)).isEqualTo(Rollback.LOST);
        assertThat(PageTransfer.beforeResume(false, false)).isEqualTo(Rollback.LOST);
    }
}

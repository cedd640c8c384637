package io.roam.sim.validate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code roam sim --validate --quick}, as CI runs it: every check must pass. */
class ValidationTest {
    @Test
    void theSimulatorAgreesWithQueueingTheoryAndHarcholBalterDowney() {
        StringWriter out = new StringWriter();
        boolean passed = Validation.run(new PrintWriter(out), true, 2);
        assertThat(out.toString()).contains("M/M/1", "power-of-2", "M/M/1-PS", "Harchol-Balter");
        assertThat(passed).as(out.toString()).isTrue();
    }

    @Test
    void mitzenmachersLimit() {
        assertThat(Validation.powerOfDLimit(0.9, 1)).isCloseTo(10.0, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(Validation.powerOfDLimit(0.9, 2)).isCloseTo(2.6140, org.assertj.core.api.Assertions.within(1e-4));
        assertThat(Validation.powerOfDLimit(0.9, 3)).isCloseTo(2.0279, org.assertj.core.api.Assertions.within(1e-4));
    }
}

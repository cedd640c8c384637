package io.roam.core.policy;

import java.util.List;

/** No balancing: every process runs where it was born. The baseline every other policy must beat. */
public final class LocalOnly implements Policy {
    private static final Reason HERE = Reason.of("local only: runs where it was born");

    @Override public String name() { return "local"; }

    @Override public Decision.Place place(Birth birth, LoadView view) { return new Decision.Place(view.self(), HERE); }

    @Override public List<Decision.Periodic> tick(Residents residents, LoadView view) { return List.of(); }
}

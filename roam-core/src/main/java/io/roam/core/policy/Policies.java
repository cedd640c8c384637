package io.roam.core.policy;

import java.util.List;
import java.util.random.RandomGenerator;

/** Policies by name, as {@code roam sim --policy} and the coordinator select them. */
public final class Policies {
    /** Every selectable name; {@code power-of-D} takes any d ≥ 1 (power-of-2 is listed). */
    public static final List<String> NAMES =
            List.of("local", "random", "least-loaded", "power-of-2", "age", "work-stealing", "jiq", "roam");

    private Policies() {}

    public static Policy create(String name, PolicySettings settings, RandomGenerator random) {
        return switch (name) {
            case "local", "local-only" -> new LocalOnly();
            case "random" -> new RandomPlacement(random);
            case "least-loaded" -> new LeastLoaded(settings, random);
            case "age" -> new AgeRule(settings, random);
            case "work-stealing" -> new WorkStealing(settings, random);
            case "jiq" -> new JoinIdleQueue(settings, random);
            case "roam" -> new RoamPolicy(settings, random);
            default -> {
                if (name.startsWith("power-of-")) {
                    try {
                        yield new PowerOfD(Integer.parseInt(name.substring("power-of-".length())), settings, random);
                    } catch (NumberFormatException e) {
                        // fall through to the error below
                    }
                }
                throw new IllegalArgumentException("unknown policy '" + name + "': use one of " + String.join(", ", NAMES)
                        + " (power-of-D for any d)");
            }
        };
    }
}

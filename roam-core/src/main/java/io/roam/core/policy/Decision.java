package io.roam.core.policy;

/**
 * What a policy decides, each with its reason (the coordinator logs {@link Reason#text()} in {@code roam events}).
 * {@link Place} answers an exec-time question; the {@link Periodic} decisions answer the once-a-second one.
 */
public sealed interface Decision {
    Reason why();

    /** Start the new process on {@code node} (the deciding node itself, or a remote one). */
    record Place(int node, Reason why) implements Decision {}

    /** A decision taken on the periodic tick. */
    sealed interface Periodic extends Decision {}

    /** Move the running process {@code process} from the deciding node to {@code to}. */
    record Migrate(long process, int to, Reason why) implements Periodic {}

    /** Ask {@code from} for work; its policy answers through {@link Policy#surrender}. */
    record Steal(int from, Reason why) implements Periodic {}

    /** Tell {@code to} the deciding node's load now (it lands in {@code to}'s window). */
    record Advertise(int to, Reason why) implements Periodic {}
}

package io.roam.core;

import java.util.regex.Pattern;

/** A node (one agent): {@code n1}, {@code n2}, … in a local cluster, or a host name. */
public record NodeId(String value) {
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    public NodeId {
        if (value == null || !VALID.matcher(value).matches()) throw new IllegalArgumentException("invalid node name '" + value + "'");
    }

    public static NodeId of(String value) { return new NodeId(value); }

    @Override public String toString() { return value; }
}

package io.roam.criu.image;

/** The image must not be restored here; {@code reason} is one line that names the file or the mismatch. */
public record Rejected(String reason) implements Verification {}

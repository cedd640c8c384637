package io.roam.criu.image;

/** The result of checking an image before a restore: {@link Verified} or {@link Rejected} with the reason. */
public sealed interface Verification permits Verified, Rejected {}

package io.roam.criu.image;

import io.roam.proto.Manifest;

/** Every file is present and intact, the image was made by this cluster and fits this machine. */
public record Verified(Manifest manifest) implements Verification {}

package io.roam.agent.transfer;

import io.roam.criu.image.ImageManifests;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** The files of an image directory in the order they travel: CRIU's images first, the manifest last. */
final class ImageFiles {
    private ImageFiles() {}

    static List<Path> inOrder(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile)
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString().equals(ImageManifests.MANIFEST))
                            .thenComparing(p -> p.getFileName().toString()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the image " + dir, e);
        }
    }

    static long totalBytes(List<Path> files) {
        long n = 0;
        for (Path p : files) n += p.toFile().length();
        return n;
    }

    /** A file name from the wire: a plain name inside the image directory, never a path. */
    static boolean safeName(String name) {
        return !name.isEmpty() && !name.contains("/") && !name.equals(".") && !name.equals("..") && !name.contains("\0");
    }
}

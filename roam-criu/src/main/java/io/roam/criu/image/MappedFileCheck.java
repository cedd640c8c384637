package io.roam.criu.image;

import io.roam.proto.MappedFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Compares the files a job had mapped at the checkpoint with the files on this machine. */
final class MappedFileCheck {
    private MappedFileCheck() {}

    /** The first mapped file that is missing or differs, as a one-line reason. */
    static Optional<String> firstChange(List<MappedFile> files) {
        for (MappedFile f : files) {
            Optional<String> change = change(f);
            if (change.isPresent()) return change;
        }
        return Optional.empty();
    }

    static Optional<String> change(MappedFile f) {
        Path p = Path.of(f.getPath());
        try {
            if (!Files.isRegularFile(p)) {
                return Optional.of(f.getPath() + " is missing on this machine (the job had it mapped at the checkpoint)");
            }
            long size = Files.size(p);
            if (size != f.getSize()) {
                return Optional.of(f.getPath() + " changed since the checkpoint (size " + size + " bytes, was "
                        + f.getSize() + ")");
            }
            if (!f.getBuildId().isEmpty()) {
                String now = ElfBuildId.read(p).orElse("none");
                if (!now.equals(f.getBuildId())) {
                    return Optional.of(f.getPath() + " changed since the checkpoint (build-id " + now + ", was "
                            + f.getBuildId() + ")");
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(f.getPath() + " cannot be read on this machine: " + e.getMessage());
        }
    }
}

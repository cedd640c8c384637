package io.roam.criu.image;

import io.roam.criu.sys.ProcFs;
import io.roam.proto.MappedFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The files a job has mapped (executables, shared libraries, mapped data files). CRIU does not copy them into the
 * image: they must be identical on the machine that restores it. Collect them before the dump (the processes are
 * gone after it) and store them in the manifest; {@link ImageChecks#verify} compares them before a restore.
 */
public final class MappedFiles {
    private static final Pattern MAPS_LINE =
            Pattern.compile("^([0-9a-f]+)-([0-9a-f]+) \\S+ \\S+ \\S+ (\\d+)\\s+(/.*)$");
    private static final String DELETED = " (deleted)";

    private MappedFiles() {}

    /** Every distinct regular file mapped by a process of the tree, sorted by path, with size and ELF build-id. */
    public static List<MappedFile> collect(long rootPid) {
        TreeMap<String, MappedFile> out = new TreeMap<>();
        for (long pid : ProcessTree.pids(rootPid)) {
            for (String line : ProcFs.lines(ProcFs.dir(pid).resolve("maps"))) {
                Matcher m = MAPS_LINE.matcher(line);
                if (!m.matches() || m.group(3).equals("0")) continue;
                String path = m.group(4);
                if (path.endsWith(DELETED) || out.containsKey(path)) continue; // deleted files travel as ghost files
                Path viaMap = ProcFs.dir(pid).resolve("map_files").resolve(m.group(1) + "-" + m.group(2));
                describe(viaMap, path).or(() -> describe(Path.of(path), path)).ifPresent(f -> out.put(path, f));
            }
        }
        return List.copyOf(out.values());
    }

    /** Describes the file at {@code file} (which may be a /proc magic link) under the name {@code path}. */
    static Optional<MappedFile> describe(Path file, String path) {
        try {
            if (!Files.isRegularFile(file)) return Optional.empty();
            return Optional.of(MappedFile.newBuilder()
                    .setPath(path)
                    .setSize(Files.size(file))
                    .setBuildId(ElfBuildId.read(file).orElse(""))
                    .build());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}

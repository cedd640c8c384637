package io.roam.agent.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/**
 * Where a finished job's exit code is found. roam-init writes {@code SPOOL/exit} ("CODE\n") when the job's main
 * process ends; when the init itself was killed (SIGKILL), only the supervisor's exits log ("PID STATUS" lines, one
 * per reaped process) knows, so it is the fallback. Codes are exit statuses, or 128+N for signal N.
 */
public final class ExitRecords {
    public static final String EXIT_FILE = "exit";

    private ExitRecords() {}

    /**
     * The exit code of the job whose init had host pid {@code hostPid}: the spool's exit file if present, else the last
     * line for that pid in the supervisor's exits file, else empty (still running, or no record). Call it once the
     * init is no longer {@link JobProcesses#alive alive}: an exits log can hold an older process with the same pid.
     */
    public static OptionalInt exitCode(Path spoolDir, long hostPid, Path supervisorExitsFile) {
        OptionalInt fromSpool = readExitFile(spoolDir.resolve(EXIT_FILE));
        return fromSpool.isPresent() ? fromSpool : lastStatus(supervisorExitsFile, hostPid);
    }

    private static OptionalInt readExitFile(Path file) {
        try {
            return parseCode(Files.readString(file).strip());
        } catch (NoSuchFileException e) {
            return OptionalInt.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static OptionalInt lastStatus(Path exitsFile, long pid) {
        List<String> lines;
        try {
            lines = Files.readAllLines(exitsFile);
        } catch (NoSuchFileException e) {
            return OptionalInt.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + exitsFile, e);
        }
        String prefix = pid + " ";
        for (int i = lines.size() - 1; i >= 0; i--) {
            String line = lines.get(i);
            if (line.startsWith(prefix)) {
                OptionalInt code = parseCode(line.substring(prefix.length()).strip());
                if (code.isPresent()) return code;
            }
        }
        return OptionalInt.empty();
    }

    private static OptionalInt parseCode(String text) {
        if (text.isEmpty() || text.length() > 3 || !text.chars().allMatch(Character::isDigit)) return OptionalInt.empty();
        return OptionalInt.of(Integer.parseInt(text));
    }
}

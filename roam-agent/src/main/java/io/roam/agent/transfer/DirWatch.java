package io.roam.agent.transfer;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.TimeUnit;

/**
 * A rest between two passes over an image directory that CRIU is writing: it ends after {@code ms} or as soon as a
 * file is created in the directory (inotify, creations and renames only: not CRIU's every write), whichever comes
 * first. The manifest is renamed into place when the image is sealed, so a transfer that follows a dump sees the seal
 * at once instead of at its next poll; between creations it polls for growth as before. Without inotify it only sleeps.
 */
final class DirWatch implements AutoCloseable {
    private final WatchService watch;

    private DirWatch(WatchService watch) { this.watch = watch; }

    static DirWatch on(Path dir) {
        WatchService w = null;
        try {
            w = dir.getFileSystem().newWatchService();
            dir.register(w, StandardWatchEventKinds.ENTRY_CREATE);
        } catch (IOException | UnsupportedOperationException e) {
            if (w != null) closeQuietly(w);
            w = null;
        }
        return new DirWatch(w);
    }

    /** Waits up to {@code ms}, less when a file appears in the directory. */
    void rest(long ms) throws InterruptedException {
        if (watch == null) {
            Thread.sleep(ms);
            return;
        }
        try {
            WatchKey k = watch.poll(ms, TimeUnit.MILLISECONDS);
            if (k != null) {
                k.pollEvents();
                k.reset();
            }
        } catch (ClosedWatchServiceException e) {
            Thread.sleep(ms);
        }
    }

    @Override
    public void close() {
        if (watch != null) closeQuietly(watch);
    }

    private static void closeQuietly(WatchService w) {
        try {
            w.close();
        } catch (IOException e) {
            // nothing held
        }
    }
}

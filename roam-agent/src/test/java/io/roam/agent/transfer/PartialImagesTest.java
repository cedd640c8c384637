package io.roam.agent.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartialImagesTest {
    @TempDir
    Path dir;

    @Test
    void aResumeStopsTheOldStreamAndGetsWhatTheTargetHolds() throws Exception {
        var partials = new PartialImages();
        Object oldStream = new Object(), newStream = new Object();
        Path scratch = Files.createDirectories(dir.resolve(".incoming-j.1"));
        var e = partials.claim("j.1", "j", scratch, oldStream);
        synchronized (e) {
            e.lengths.put("pages-1.img", 8L << 20);
            e.lengths.put("core-1.img", 1234L);
        }
        var held = partials.detach("j.1");
        assertThat(held).hasValueSatisfying(h -> assertThat(h).containsEntry("pages-1.img", 8L << 20).containsEntry("core-1.img", 1234L));
        synchronized (e) { assertThat(e.owner).as("the old stream no longer writes").isNull(); }
        assertThat(partials.adopt("j.1", newStream)).containsSame(e);
        synchronized (e) { assertThat(e.owner).isSameAs(newStream); }
        assertThat(e.bytes()).isEqualTo((8L << 20) + 1234);
        partials.done(e);
        assertThat(partials.detach("j.1")).isEmpty();
        assertThat(partials.adopt("j.1", newStream)).isEmpty();
    }

    @Test
    void aNewTransferOfTheSameJobDiscardsTheOlderPartialCopy() throws Exception {
        var partials = new PartialImages();
        Path first = Files.createDirectories(dir.resolve(".incoming-j.1"));
        Files.writeString(first.resolve("pages-1.img"), "x");
        var e = partials.claim("j.1", "j", first, new Object());
        partials.parked(e, e.owner);
        Path other = Files.createDirectories(dir.resolve(".incoming-k.1"));
        partials.claim("k.1", "k", other, new Object());
        partials.claim("j.2", "j", Files.createDirectories(dir.resolve(".incoming-j.2")), new Object());
        assertThat(first).doesNotExist();
        assertThat(other).exists();
        assertThat(partials.detach("j.1")).isEmpty();
        assertThat(partials.detach("k.1")).isPresent();
    }

    @Test
    void onlyTheOwnerCanParkItsEntry() throws Exception {
        var partials = new PartialImages();
        Object a = new Object(), b = new Object();
        var e = partials.claim("j.1", "j", Files.createDirectories(dir.resolve(".incoming-j.1")), a);
        partials.adopt("j.1", b);
        partials.parked(e, a);   // the stale stream breaking later changes nothing
        synchronized (e) { assertThat(e.owner).isSameAs(b); }
    }
}

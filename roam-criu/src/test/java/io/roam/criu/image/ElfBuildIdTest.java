package io.roam.criu.image;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ElfBuildIdTest {
    private static final byte[] ID = HexFormat.of().parseHex("0123456789abcdef0011223344556677deadbeef");
    @TempDir Path dir;

    @Test
    void readsTheBuildIdOfARealBinary() throws Exception {
        Path sleep = Path.of("/bin/sleep").toRealPath();
        Optional<String> id = ElfBuildId.read(sleep);
        assertThat(id).isPresent();
        // independent check: the note header (namesz 4, descsz N, type 3, "GNU\0") followed by the id bytes
        byte[] file = Files.readAllBytes(sleep);
        byte[] idBytes = HexFormat.of().parseHex(id.get());
        ByteBuffer note = ByteBuffer.allocate(16 + idBytes.length).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(4).putInt(idBytes.length).putInt(3).put("GNU\0".getBytes()).put(idBytes);
        assertThat(indexOf(file, note.array())).isGreaterThan(0);
    }

    @Test
    void readsA64BitLittleEndianProgramHeaderNote() throws Exception {
        Path f = dir.resolve("elf64");
        Files.write(f, elf(true, ByteOrder.LITTLE_ENDIAN, true));
        assertThat(ElfBuildId.read(f)).contains(HexFormat.of().formatHex(ID));
    }

    @Test
    void readsA32BitBigEndianProgramHeaderNote() throws Exception {
        Path f = dir.resolve("elf32");
        Files.write(f, elf(false, ByteOrder.BIG_ENDIAN, true));
        assertThat(ElfBuildId.read(f)).contains(HexFormat.of().formatHex(ID));
    }

    @Test
    void fallsBackToSectionNotes() throws Exception {
        Path f = dir.resolve("object");
        Files.write(f, elf(true, ByteOrder.LITTLE_ENDIAN, false));
        assertThat(ElfBuildId.read(f)).contains(HexFormat.of().formatHex(ID));
    }

    @Test
    void nonElfFilesHaveNoBuildId() throws Exception {
        Path f = dir.resolve("text");
        Files.writeString(f, "#!/bin/sh\necho hello\n");
        assertThat(ElfBuildId.read(f)).isEmpty();
        Files.write(f, new byte[0]);
        assertThat(ElfBuildId.read(f)).isEmpty();
    }

    /** A minimal ELF file: header, then either one PT_NOTE program header or one SHT_NOTE section header, then notes. */
    private static byte[] elf(boolean is64, ByteOrder order, boolean programHeader) {
        int ehsize = is64 ? 64 : 52;
        int entsize = programHeader ? (is64 ? 56 : 32) : (is64 ? 64 : 40);
        int notesOff = ehsize + entsize;
        ByteBuffer notes = ByteBuffer.allocate(64).order(order);
        // an unrelated note first (type 1, name "XYZ"), then the build-id
        notes.putInt(4).putInt(4).putInt(1).put("XYZ\0".getBytes()).putInt(7);
        notes.putInt(4).putInt(ID.length).putInt(3).put("GNU\0".getBytes()).put(ID);
        int notesLen = notes.position();
        ByteBuffer b = ByteBuffer.allocate(notesOff + notesLen).order(order);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', (byte) (is64 ? 2 : 1), (byte) (order == ByteOrder.LITTLE_ENDIAN ? 1 : 2), 1});
        if (is64) {
            b.putLong(0x20, programHeader ? ehsize : 0).putLong(0x28, programHeader ? 0 : ehsize);
            b.putShort(0x36, (short) (programHeader ? entsize : 0)).putShort(0x38, (short) (programHeader ? 1 : 0));
            b.putShort(0x3A, (short) (programHeader ? 0 : entsize)).putShort(0x3C, (short) (programHeader ? 0 : 1));
        } else {
            b.putInt(0x1C, programHeader ? ehsize : 0).putInt(0x20, programHeader ? 0 : ehsize);
            b.putShort(0x2A, (short) (programHeader ? entsize : 0)).putShort(0x2C, (short) (programHeader ? 1 : 0));
            b.putShort(0x2E, (short) (programHeader ? 0 : entsize)).putShort(0x30, (short) (programHeader ? 0 : 1));
        }
        int h = ehsize;
        if (programHeader && is64) {
            b.putInt(h, 4).putLong(h + 8, notesOff).putLong(h + 32, notesLen).putLong(h + 48, 4);
        } else if (programHeader) {
            b.putInt(h, 4).putInt(h + 4, notesOff).putInt(h + 16, notesLen).putInt(h + 28, 4);
        } else if (is64) {
            b.putInt(h + 4, 7).putLong(h + 24, notesOff).putLong(h + 32, notesLen).putLong(h + 48, 4);
        } else {
            b.putInt(h + 4, 7).putInt(h + 16, notesOff).putInt(h + 20, notesLen).putInt(h + 32, 4);
        }
        b.put(notesOff, notes.array(), 0, notesLen);
        return b.array();
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }
}

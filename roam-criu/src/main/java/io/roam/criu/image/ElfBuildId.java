package io.roam.criu.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Reads the GNU build-id of an ELF file ({@code NT_GNU_BUILD_ID} in a {@code PT_NOTE} segment, or in a
 * {@code SHT_NOTE} section when the file has no program headers). Reads only headers and notes, never the whole file.
 */
public final class ElfBuildId {
    private static final int PT_NOTE = 4;
    private static final int SHT_NOTE = 7;
    private static final int NT_GNU_BUILD_ID = 3;
    private static final int MAX_NOTES = 1 << 20;

    private ElfBuildId() {}

    /** The build-id as lower-case hex; empty for a file that is not ELF or has no build-id. */
    public static Optional<String> read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(ch);
        }
    }

    static Optional<String> read(FileChannel ch) throws IOException {
        ByteBuffer ident = readAt(ch, 0, 64);
        if (ident.limit() < 52 || ident.get(0) != 0x7f || ident.get(1) != 'E' || ident.get(2) != 'L' || ident.get(3) != 'F') {
            return Optional.empty();
        }
        boolean is64 = ident.get(4) == 2;
        ByteOrder order = ident.get(5) == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        ByteBuffer h = ident.order(order);
        if (is64 && h.limit() < 64) return Optional.empty();
        long phoff = is64 ? h.getLong(0x20) : Integer.toUnsignedLong(h.getInt(0x1C));
        int phentsize = Short.toUnsignedInt(h.getShort(is64 ? 0x36 : 0x2A));
        int phnum = Short.toUnsignedInt(h.getShort(is64 ? 0x38 : 0x2C));
        for (int i = 0; i < phnum; i++) {
            ByteBuffer ph = readAt(ch, phoff + (long) i * phentsize, phentsize).order(order);
            if (ph.limit() < (is64 ? 56 : 32) || ph.getInt(0) != PT_NOTE) continue;
            long off = is64 ? ph.getLong(8) : Integer.toUnsignedLong(ph.getInt(4));
            long size = is64 ? ph.getLong(32) : Integer.toUnsignedLong(ph.getInt(16));
            long align = is64 ? ph.getLong(48) : Integer.toUnsignedLong(ph.getInt(28));
            Optional<String> id = scanNotes(ch, off, size, align, order);
            if (id.isPresent()) return id;
        }
        long shoff = is64 ? h.getLong(0x28) : Integer.toUnsignedLong(h.getInt(0x20));
        int shentsize = Short.toUnsignedInt(h.getShort(is64 ? 0x3A : 0x2E));
        int shnum = Short.toUnsignedInt(h.getShort(is64 ? 0x3C : 0x30));
        for (int i = 0; i < shnum && shoff > 0; i++) {
            ByteBuffer sh = readAt(ch, shoff + (long) i * shentsize, shentsize).order(order);
            if (sh.limit() < (is64 ? 64 : 40) || sh.getInt(4) != SHT_NOTE) continue;
            long off = is64 ? sh.getLong(24) : Integer.toUnsignedLong(sh.getInt(16));
            long size = is64 ? sh.getLong(32) : Integer.toUnsignedLong(sh.getInt(20));
            long align = is64 ? sh.getLong(48) : Integer.toUnsignedLong(sh.getInt(32));
            Optional<String> id = scanNotes(ch, off, size, align, order);
            if (id.isPresent()) return id;
        }
        return Optional.empty();
    }

    private static Optional<String> scanNotes(FileChannel ch, long off, long size, long align, ByteOrder order) throws IOException {
        if (size <= 0 || size > MAX_NOTES || off < 0) return Optional.empty();
        ByteBuffer notes = readAt(ch, off, (int) size).order(order);
        int a = align == 8 ? 8 : 4;
        int p = 0;
        while (p + 12 <= notes.limit()) {
            int namesz = notes.getInt(p);
            int descsz = notes.getInt(p + 4);
            int type = notes.getInt(p + 8);
            if (namesz < 0 || descsz < 0) return Optional.empty();
            int name = p + 12;
            int desc = name + pad(namesz, a);
            if (desc + (long) descsz > notes.limit()) return Optional.empty();
            if (type == NT_GNU_BUILD_ID && namesz == 4 && notes.get(name) == 'G' && notes.get(name + 1) == 'N'
                    && notes.get(name + 2) == 'U' && notes.get(name + 3) == 0 && descsz > 0) {
                byte[] id = new byte[descsz];
                notes.get(desc, id);
                return Optional.of(HexFormat.of().formatHex(id));
            }
            p = desc + pad(descsz, a);
        }
        return Optional.empty();
    }

    private static int pad(int n, int a) { return (n + a - 1) & -a; }

    private static ByteBuffer readAt(FileChannel ch, long pos, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Math.max(0, len));
        while (b.hasRemaining()) {
            int n = ch.read(b, pos + b.position());
            if (n < 0) break;
        }
        return b.flip();
    }
}

package io.roam.agent.local;

import io.roam.proto.Caller;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Resolves a peer's user name (as the JDK's SO_PEERCRED reports it) to uid, gid and groups via /etc/passwd and /etc/group. */
public final class Users {
    private final Path passwd;
    private final Path group;

    public Users() { this(Path.of("/etc/passwd"), Path.of("/etc/group")); }

    Users(Path passwd, Path group) {
        this.passwd = passwd;
        this.group = group;
    }

    /** The caller for a user name or numeric uid; the group name (or number) is the peer's primary group. */
    public Optional<Caller> caller(String userName, String groupName) {
        Integer uid = null;
        Integer gid = null;
        String name = userName;
        for (String line : lines(passwd)) {
            String[] f = line.split(":", -1);
            if (f.length < 4) continue;
            if (f[0].equals(userName) || f[2].equals(userName)) {
                uid = Integer.parseInt(f[2]);
                gid = Integer.parseInt(f[3]);
                name = f[0];
                break;
            }
        }
        if (uid == null) {
            if (!userName.matches("[0-9]+")) return Optional.empty();
            uid = Integer.parseInt(userName);
        }
        Integer peerGid = groupId(groupName);
        if (peerGid != null) gid = peerGid;
        if (gid == null) gid = uid;
        List<Integer> groups = new ArrayList<>();
        for (String line : lines(group)) {
            String[] f = line.split(":", -1);
            if (f.length < 4) continue;
            for (String member : f[3].split(",")) {
                if (member.equals(name)) groups.add(Integer.parseInt(f[2]));
            }
        }
        return Optional.of(Caller.newBuilder().setUid(uid).setGid(gid).setUser(name).addAllGroups(groups).build());
    }

    private Integer groupId(String groupName) {
        if (groupName == null) return null;
        if (groupName.matches("[0-9]+")) return Integer.parseInt(groupName);
        for (String line : lines(group)) {
            String[] f = line.split(":", -1);
            if (f.length >= 3 && f[0].equals(groupName)) return Integer.parseInt(f[2]);
        }
        return null;
    }

    private static List<String> lines(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (IOException e) {
            return List.of();
        }
    }
}

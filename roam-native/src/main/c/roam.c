/*
 * roam: the front door of the distribution (bin/roam). `roam exec` is run by make once per command, so it must not
 * pay for a shell or a JVM: this binary finds its distribution through /proc/self/exe and runs the native exec client
 * directly. Every other verb goes to the JVM launcher, bin/roam-jvm (bash), unchanged.
 *   ROAM_EXEC_JAVA=1   make `roam exec` use the Java implementation too (same protocol)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        fprintf(stderr, "roam: error: cannot resolve /proc/self/exe: %s\n", strerror(errno));
        return 1;
    }
    self[n] = '\0';
    char *slash = strrchr(self, '/');           /* .../dist/bin/roam -> .../dist/bin */
    if (slash == NULL) return 1;
    *slash = '\0';
    char target[PATH_MAX + 64];
    if (argc > 1 && strcmp(argv[1], "exec") == 0 && getenv("ROAM_EXEC_JAVA") == NULL) {
        int len = snprintf(target, sizeof target, "%s/../lib/native/roam-exec", self);
        if (len > 0 && (size_t) len < sizeof target && access(target, X_OK) == 0) {
            argv[1] = target;                       /* roam-exec sees argv[0] = its own path, then the arguments */
            execv(target, argv + 1);
            fprintf(stderr, "roam: error: cannot run %s: %s\n", target, strerror(errno));
            return 1;
        }
    }
    int len = snprintf(target, sizeof target, "%s/roam-jvm", self);
    if (len < 0 || (size_t) len >= sizeof target) {
        fprintf(stderr, "roam: error: the path of the distribution is too long\n");
        return 1;
    }
    execv(target, argv);
    fprintf(stderr, "roam: error: cannot run %s: %s\n", target, strerror(errno));
    return 1;
}

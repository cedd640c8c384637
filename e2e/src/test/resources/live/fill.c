#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
static volatile sig_atomic_t stop;
static void on(int s) { (void)s; stop = 1; }
static uint64_t sum(uint64_t *p, size_t n) { uint64_t h = 1469598103934665603ULL; for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ULL; return h; }
/* the wall clock: CRIU restores every process in a time namespace whose CLOCK_MONOTONIC (and BOOTTIME) go on from
   the moment of the dump, so a monotonic clock would hide most of the freeze */
static long long ms(void) { struct timespec t; clock_gettime(CLOCK_REALTIME, &t); return t.tv_sec * 1000LL + t.tv_nsec / 1000000; }
int main(int argc, char **argv) {
    size_t mb = argc > 1 ? strtoul(argv[1], 0, 10) : 64, n = mb << 17;
    uint64_t *p = malloc(n * 8), x = 88172645463325252ULL ^ (uint64_t)getpid();
    if (!p) return 3;
    for (size_t i = 0; i < n; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; p[i] = x | 1; }
    uint64_t want = sum(p, n);
    signal(SIGUSR1, on);
    printf("filled %zu MB checksum %016llx\n", mb, (unsigned long long)want); fflush(stdout);
    for (long i = 0; !stop; i++) { printf("t %lld %ld\n", ms(), i); fflush(stdout); usleep(10000); }
    uint64_t got = sum(p, n);
    printf("verify %s %016llx\n", got == want ? "ok" : "BAD", (unsigned long long)got); fflush(stdout);
    return got == want ? 0 : 1;
}

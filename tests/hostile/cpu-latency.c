/*
 * cpu-latency SETTLE_MS COUNT SLEEP_MS LIMIT_MS: waits SETTLE_MS, then sleeps COUNT
 * times for SLEEP_MS and reports the largest overshoot of a wakeup; PASS when every
 * one came within LIMIT_MS. The calm sandbox of the sandbox-cpu scenario runs it while
 * another sandbox spins (docs/sandboxes.md, "CPU").
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts))
        ;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: cpu-latency SETTLE_MS COUNT SLEEP_MS LIMIT_MS\n");
        return 2;
    }
    long settle = atol(argv[1]), count = atol(argv[2]), ms = atol(argv[3]);
    long limit = atol(argv[4]);
    sleep_ms(settle);
    long long worst = 0;
    for (long i = 0; i < count; i++) {
        long long t0 = now_ns();
        sleep_ms(ms);
        long long over = now_ns() - t0 - ms * 1000000ll;
        if (over > worst)
            worst = over;
    }
    printf("cpu-latency: %ld sleeps of %ld ms, largest overshoot %lld.%03lld ms\n", count, ms,
           worst / 1000000, worst / 1000 % 1000);
    if (worst > limit * 1000000ll) {
        printf("FAIL cpu-latency: a wakeup came %lld ms late (limit %ld ms)\n", worst / 1000000,
               limit);
        return 1;
    }
    printf("PASS cpu-latency: every wakeup within %ld ms\n", limit);
    return 0;
}

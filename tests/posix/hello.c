/*
 * hello-musl: an ordinary static Linux program (musl-gcc -static, nothing capix about
 * it). It exercises start-up (TLS, auxv), stdio, malloc (brk and mmap), uname, time
 * and floating point, and exits with status 3. The same binary runs on the host.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static __thread int tls_counter = 41;

int main(int argc, char **argv)
{
    printf("Hello from musl: argc=%d", argc);
    for (int i = 0; i < argc; i++)
        printf(" argv[%d]=%s", i, argv[i]);
    printf("\n");
    char *small = malloc(100), *big = malloc(1 << 20);
    if (!small || !big)
        return 1;
    memset(big, 'x', 1 << 20);
    strcpy(small, "malloc works");
    printf("%s: %zu bytes, last byte %c\n", small, (size_t)(1 << 20), big[(1 << 20) - 1]);
    free(big);
    free(small);
    struct utsname u;
    if (uname(&u) == 0)
        printf("uname: %s %s %s\n", u.sysname, u.release, u.machine);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    volatile double x = 1.0;
    for (int i = 0; i < 1000; i++)
        x = x * 1.001 + 0.5;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("float: %.3f, monotonic clock %s\n", x,
           t1.tv_sec > t0.tv_sec || (t1.tv_sec == t0.tv_sec && t1.tv_nsec >= t0.tv_nsec)
               ? "advances"
               : "goes back");
    tls_counter++;
    printf("tls %d, pid %d, environment PATH=%s\n", tls_counter, (int)getpid(),
           getenv("PATH") ? getenv("PATH") : "(none)");
    fflush(stdout);
    fprintf(stderr, "to stderr\n");
    return 3;
}

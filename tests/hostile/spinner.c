/*
 * spinner PROCS THREADS: the CPU attack of the sandbox-cpu scenario (docs/sandboxes.md,
 * "CPU"). It forks into PROCS processes (the runtime allows 1,024 threads per process,
 * RT_MAX_THREADS, as the sandbox's quota allows), each of which starts THREADS threads
 * that never block; once all of them run it says how many spin in all, and spins itself
 * until the machine powers off.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static volatile unsigned long sink;

static void *spin(void *arg)
{
    (void)arg;
    for (;;)
        sink++;
    return NULL;
}

static int start_threads(int n)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 16384);
    for (int i = 0; i < n; i++) {
        pthread_t t;
        int err = pthread_create(&t, &attr, spin, NULL);
        if (err) {
            printf("FAIL spinner: process %d, thread %d of %d: error %d\n", (int)getpid(), i + 1, n,
                   err);
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    int procs = argc > 1 ? atoi(argv[1]) : 4, threads = argc > 2 ? atoi(argv[2]) : 50;
    int fds[2];
    if (procs < 1 || threads < 1 || pipe(fds)) {
        printf("FAIL spinner: usage: spinner PROCS THREADS\n");
        return 2;
    }
    for (int p = 1; p < procs; p++) {
        pid_t pid = fork();
        if (pid < 0) {
            printf("FAIL spinner: fork %d: error\n", p);
            return 1;
        }
        if (pid == 0) {
            char ok = start_threads(threads) ? 'n' : 'y';
            if (write(fds[1], &ok, 1) != 1)
                return 1;
            for (;;)
                sink++;
        }
    }
    close(fds[1]); /* a child that dies before it reports gives end of file, not a hang */
    if (start_threads(threads))
        return 1;
    for (int p = 1; p < procs; p++) {
        char ok = 'n';
        if (read(fds[0], &ok, 1) != 1 || ok != 'y') {
            printf("FAIL spinner: a process did not start its threads\n");
            return 1;
        }
    }
    printf("spinner: %d threads spinning in %d processes\n", procs * threads, procs);
    fflush(stdout);
    for (;;)
        sink++;
}

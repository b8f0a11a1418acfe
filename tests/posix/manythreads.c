/*
 * manythreads [quota]: a process runs 1,000 threads at once, as Linux allows (issue 20;
 * capix's runtime allows RT_MAX_THREADS, 1,024 with the main thread). Each thread waits
 * on a barrier that all of them and the main thread meet, then exits; the main thread
 * joins them all, and does it all again (the second round reuses what the first left:
 * runtime areas, tids go on). Compared with Linux by tests/posix/manythreads-test.sh.
 *
 * With `quota` (capix only, run with a small sandbox quota): threads are made until
 * pthread_create fails, which must be EAGAIN (Linux's answer at RLIMIT_NPROC or
 * threads-max; here the quota or the runtime's limit), and the process runs on: the
 * threads made join, and as many can be made again.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"

#define THREADS 1000
#define MOST 5000

static pthread_barrier_t barrier;
static int ran[MOST];

static void *worker(void *arg)
{
    int i = (int)(long)arg;
    pthread_barrier_wait(&barrier);
    ran[i] = 1;
    return arg;
}

static pthread_attr_t small_stack(void)
{
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 16384);
    return a;
}

/* One round: n threads meet at the barrier with the main thread; all join. */
static void round_of(const char *name, int n)
{
    static pthread_t t[MOST];
    pthread_attr_t a = small_stack();
    char what[64];
    memset(ran, 0, sizeof(ran));
    pthread_barrier_init(&barrier, NULL, (unsigned)n + 1);
    int made = 0, err = 0;
    for (; made < n; made++) {
        err = pthread_create(&t[made], &a, worker, (void *)(long)made);
        if (err)
            break;
    }
    snprintf(what, sizeof(what), "%s-create", name);
    char why[64];
    snprintf(why, sizeof(why), "pthread_create failed after %d threads", made);
    errno = err;
    check(what, made == n, why);
    if (made < n) {
        /* the threads made wait for a barrier that will not fill: end the program */
        fflush(stdout);
        _exit(1);
    }
    pthread_barrier_wait(&barrier);
    int joined = 0, all_ran = 1;
    for (int i = 0; i < made; i++) {
        void *r = NULL;
        if (pthread_join(t[i], &r) == 0 && r == (void *)(long)i)
            joined++;
        all_ran &= ran[i];
    }
    snprintf(what, sizeof(what), "%s-joined", name);
    check(what, joined == n && all_ran, "not every thread ran and joined");
    pthread_barrier_destroy(&barrier);
    pthread_attr_destroy(&a);
}

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_open;

static void *idle(void *arg)
{
    pthread_mutex_lock(&gate_lock);
    while (!gate_open)
        pthread_cond_wait(&gate_cond, &gate_lock);
    pthread_mutex_unlock(&gate_lock);
    return arg;
}

/* Threads until pthread_create fails (the error in *err); then they all end and join.
 * Returns how many were made and joined. */
static int fill(int *err)
{
    static pthread_t t[MOST];
    pthread_attr_t a = small_stack();
    int n = 0, joined = 0;
    gate_open = 0;
    *err = 0;
    while (n < MOST && !(*err = pthread_create(&t[n], &a, idle, NULL)))
        n++;
    pthread_attr_destroy(&a);
    pthread_mutex_lock(&gate_lock);
    gate_open = 1;
    pthread_cond_broadcast(&gate_cond);
    pthread_mutex_unlock(&gate_lock);
    for (int i = 0; i < n; i++)
        joined += pthread_join(t[i], NULL) == 0;
    return joined == n ? n : -1;
}

/* capix only: the limit or the quota gives EAGAIN, the process runs on, and what the
 * threads took comes back (as many again). */
static void quota_case(void)
{
    int err, err2;
    int n = fill(&err);
    char why[64];
    snprintf(why, sizeof(why), "%d threads, then error %d", n, err);
    errno = err;
    check("quota-eagain", err == EAGAIN && n > 0, why);
    int n2 = fill(&err2);
    snprintf(why, sizeof(why), "%d threads, then error %d (first %d)", n2, err2, n);
    errno = err2;
    check("quota-eagain-again", err2 == EAGAIN && n2 >= n, why);
    printf("quota: %d threads, then %d\n", n, n2);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "quota") == 0) {
        quota_case();
        return failed;
    }
    round_of("threads-1000", THREADS);
    round_of("threads-1000-again", THREADS);
    return failed;
}

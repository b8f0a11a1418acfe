/*
 * threads: pthreads as musl makes them (clone, futex, TLS). Create and join, a mutex
 * under contention, a condition variable, thread-local storage, a thread spinning
 * without system calls that must not starve the others, and detached threads. The same
 * static binary runs on the Linux host and in capix; both must print only PASS lines.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NTHREADS 4
#define ROUNDS 20000

static int passed, failed;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long counter;
static int turn;
static __thread int tls_value = 7;
static volatile int stop_spinning;
static volatile unsigned long spins;

static void check(const char *name, int ok, const char *detail)
{
    printf("%s %s%s%s\n", ok ? "PASS" : "FAIL", name, ok ? "" : ": ", ok ? "" : detail);
    ok ? passed++ : failed++;
}

static void *adder(void *arg)
{
    tls_value = (int)(long)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
        if (i % 1000 == 0)
            sched_yield();
    }
    return (void *)(long)(tls_value * 10);
}

static void *pong(void *arg)
{
    for (int i = 0; i < 100; i++) {
        pthread_mutex_lock(&lock);
        while (turn != 1)
            pthread_cond_wait(&cond, &lock);
        turn = 0;
        pthread_cond_signal(&cond);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static void *spinner(void *arg)
{
    while (!stop_spinning)
        spins++;
    return NULL;
}

static void *detached(void *arg)
{
    pthread_mutex_lock(&lock);
    counter += 1000;
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t t[NTHREADS];
    int ok = 1;
    for (long i = 0; i < NTHREADS; i++)
        ok &= pthread_create(&t[i], NULL, adder, (void *)(i + 1)) == 0;
    check("pthread_create", ok, "failed");
    long sum = 0;
    for (int i = 0; i < NTHREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        sum += (long)r;
    }
    char d[80];
    snprintf(d, sizeof(d), "counter %ld", counter);
    check("mutex_counter", counter == (long)NTHREADS * ROUNDS, d);
    check("join_values_and_tls", sum == 10 * (1 + 2 + 3 + 4) && tls_value == 7, "wrong values");

    pthread_t p;
    pthread_create(&p, NULL, pong, NULL);
    for (int i = 0; i < 100; i++) {
        pthread_mutex_lock(&lock);
        turn = 1;
        pthread_cond_signal(&cond);
        while (turn != 0)
            pthread_cond_wait(&cond, &lock);
        pthread_mutex_unlock(&lock);
    }
    check("condvar_ping_pong", pthread_join(p, NULL) == 0, "join failed");

    pthread_t s;
    pthread_create(&s, NULL, spinner, NULL);
    struct timespec ms50 = {0, 50000000};
    nanosleep(&ms50, NULL); /* we must get the CPU back although the spinner never yields */
    stop_spinning = 1;
    pthread_join(s, NULL);
    check("spinner_does_not_starve", spins > 0, "spinner never ran");

    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    long before = counter;
    for (int i = 0; i < 3; i++)
        pthread_create(&p, &a, detached, NULL);
    for (int i = 0; i < 100 && counter != before + 3000; i++)
        nanosleep(&ms50, NULL);
    check("detached_threads", counter == before + 3000, "did not all run");

    /* more threads than exist at once, one after the other (areas are reused) */
    ok = 1;
    for (int i = 0; i < 100; i++) {
        ok &= pthread_create(&p, NULL, detached, NULL) == 0;
        ok &= pthread_join(p, NULL) == 0;
    }
    check("create_join_100", ok, "failed");
    printf("threads: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}

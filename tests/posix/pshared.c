/*
 * pshared: process-shared synchronisation in MAP_SHARED anonymous memory between
 * fork()ed processes: a pthread mutex under contention, a condition variable
 * (producer and consumer), a barrier, unnamed semaphores (sem_init with pshared 1),
 * and a blocked sem_wait broken by a signal (EINTR without SA_RESTART, resumed with
 * it), and robust mutexes whose owner ends holding them (a thread, and a process that
 * exits: the next locker gets EOWNERDEAD). Waiters must really block (their CPU time stays far
 * below the time they wait). The same binary runs on Linux and in capix; the output must be the
 * same on both. One line per case: "PASS name" or "FAIL name: why".
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "ptest.h"

#define PROCS 4
#define ROUNDS 10000
#define RING 8
#define ITEMS 1000
#define BARRIER_ROUNDS 50

struct shared {
    pthread_mutex_t mutex, robust;
    pthread_cond_t not_empty, not_full;
    pthread_barrier_t barrier;
    sem_t sem, ping, pong;
    volatile long counter;
    int ring[RING];
    unsigned head, tail, count;
    int arrived[BARRIER_ROUNDS];
    int serial[BARRIER_ROUNDS];
    int barrier_bad;
    volatile int ready;
};

static struct shared *sh;
static volatile sig_atomic_t handled;

static long now_ns(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) && errno == EINTR) {
    }
}

/* Waits for pid; its exit status, or -1 if it did not exit normally. */
static int reap(pid_t pid)
{
    int st;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

static void init_objects(void)
{
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&sh->mutex, &ma);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
    pthread_cond_init(&sh->not_empty, &ca);
    pthread_cond_init(&sh->not_full, &ca);
    pthread_barrierattr_t ba;
    pthread_barrierattr_init(&ba);
    pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED);
    pthread_barrier_init(&sh->barrier, &ba, PROCS);
    sem_init(&sh->sem, 1, 0);
    sem_init(&sh->ping, 1, 0);
    sem_init(&sh->pong, 1, 0);
}

/* PROCS processes add 1 to a plain counter ROUNDS times each under the mutex; some
 * hold it across a short sleep so that the others must wait for it. */
static void test_mutex(void)
{
    pid_t pids[PROCS];
    sh->counter = 0;
    for (int p = 0; p < PROCS; p++) {
        pids[p] = fork();
        if (pids[p] == 0) {
            for (int i = 0; i < ROUNDS; i++) {
                pthread_mutex_lock(&sh->mutex);
                long v = sh->counter;
                if (i % 2500 == 1)
                    usleep(2000);
                sh->counter = v + 1;
                pthread_mutex_unlock(&sh->mutex);
            }
            _exit(0);
        }
    }
    int bad = 0;
    for (int p = 0; p < PROCS; p++)
        bad |= reap(pids[p]) != 0;
    check("mutex_counter", !bad && sh->counter == PROCS * ROUNDS, "counter %ld, expected %ld",
          sh->counter, (long)PROCS * ROUNDS);
}

/* A process blocked on a mutex another process holds sleeps: its CPU time stays small. */
static void test_mutex_blocks(void)
{
    pthread_mutex_lock(&sh->mutex);
    sh->ready = 0;
    pid_t pid = fork();
    if (pid == 0) {
        long c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID), w0 = now_ns(CLOCK_MONOTONIC);
        sh->ready = 1;
        pthread_mutex_lock(&sh->mutex);
        long cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID) - c0, wall = now_ns(CLOCK_MONOTONIC) - w0;
        pthread_mutex_unlock(&sh->mutex);
        _exit(wall >= 150000000 && cpu < wall / 4 ? 0 : 1);
    }
    while (!sh->ready)
        sched_yield();
    sleep_ms(200);
    pthread_mutex_unlock(&sh->mutex);
    check("mutex_waiter_blocks", reap(pid) == 0, "the waiter spun or did not wait (%ld%ld)", 0, 0);
}

/* A producer process hands ITEMS numbers to the consumer through a ring of RING
 * slots guarded by the mutex, with a condition variable for each direction. */
static void test_condvar(void)
{
    sh->head = sh->tail = sh->count = 0;
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 1; i <= ITEMS; i++) {
            pthread_mutex_lock(&sh->mutex);
            while (sh->count == RING)
                pthread_cond_wait(&sh->not_full, &sh->mutex);
            sh->ring[sh->tail] = i;
            sh->tail = (sh->tail + 1) % RING;
            sh->count++;
            pthread_cond_signal(&sh->not_empty);
            pthread_mutex_unlock(&sh->mutex);
        }
        _exit(0);
    }
    long sum = 0;
    int order_ok = 1;
    for (int i = 1; i <= ITEMS; i++) {
        pthread_mutex_lock(&sh->mutex);
        while (sh->count == 0)
            pthread_cond_wait(&sh->not_empty, &sh->mutex);
        int v = sh->ring[sh->head];
        sh->head = (sh->head + 1) % RING;
        sh->count--;
        pthread_cond_signal(&sh->not_full);
        pthread_mutex_unlock(&sh->mutex);
        order_ok &= v == i;
        sum += v;
    }
    int st = reap(pid);
    check("condvar_producer_consumer", st == 0 && order_ok && sum == (long)ITEMS * (ITEMS + 1) / 2,
          "sum %ld, producer status %ld", sum, st);
}

/* A consumer waiting on an empty ring sleeps until the producer signals. */
static void test_condvar_blocks(void)
{
    sh->count = 0;
    sh->ready = 0;
    pid_t pid = fork();
    if (pid == 0) {
        long c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID), w0 = now_ns(CLOCK_MONOTONIC);
        pthread_mutex_lock(&sh->mutex);
        sh->ready = 1;
        while (sh->count == 0)
            pthread_cond_wait(&sh->not_empty, &sh->mutex);
        sh->count--;
        pthread_mutex_unlock(&sh->mutex);
        long cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID) - c0, wall = now_ns(CLOCK_MONOTONIC) - w0;
        _exit(wall >= 150000000 && cpu < wall / 4 ? 0 : 1);
    }
    while (!sh->ready)
        sched_yield();
    sleep_ms(200);
    pthread_mutex_lock(&sh->mutex);
    sh->count = 1;
    pthread_cond_signal(&sh->not_empty);
    pthread_mutex_unlock(&sh->mutex);
    check("condvar_waiter_blocks", reap(pid) == 0, "the waiter spun or did not wait (%ld%ld)", 0,
          0);
}

/* PROCS processes pass a barrier BARRIER_ROUNDS times: after each, all have arrived,
 * and exactly one got PTHREAD_BARRIER_SERIAL_THREAD. */
static void barrier_rounds(void)
{
    for (int r = 0; r < BARRIER_ROUNDS; r++) {
        __atomic_add_fetch(&sh->arrived[r], 1, __ATOMIC_SEQ_CST);
        int ret = pthread_barrier_wait(&sh->barrier);
        if (ret == PTHREAD_BARRIER_SERIAL_THREAD)
            __atomic_add_fetch(&sh->serial[r], 1, __ATOMIC_SEQ_CST);
        else if (ret != 0)
            __atomic_store_n(&sh->barrier_bad, 1, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&sh->arrived[r], __ATOMIC_SEQ_CST) != PROCS)
            __atomic_store_n(&sh->barrier_bad, 1, __ATOMIC_SEQ_CST);
    }
}

static void test_barrier(void)
{
    pid_t pids[PROCS - 1];
    for (int p = 0; p < PROCS - 1; p++) {
        pids[p] = fork();
        if (pids[p] == 0) {
            if (p == 0)
                usleep(50000); /* the others wait for the late one */
            barrier_rounds();
            _exit(0);
        }
    }
    barrier_rounds();
    int bad = 0;
    for (int p = 0; p < PROCS - 1; p++)
        bad |= reap(pids[p]) != 0;
    int serial_ok = 1;
    for (int r = 0; r < BARRIER_ROUNDS; r++)
        serial_ok &= sh->serial[r] == 1;
    check("barrier_rounds", !bad && !sh->barrier_bad && serial_ok, "bad %ld, serial ok %ld",
          (long)sh->barrier_bad, (long)serial_ok);
}

/* Unnamed process-shared semaphores: a waiter sleeps until another process posts, and
 * two processes play ping-pong. */
static void test_sem(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        sleep_ms(150);
        sem_post(&sh->sem);
        _exit(0);
    }
    long c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID), w0 = now_ns(CLOCK_MONOTONIC);
    int r = sem_wait(&sh->sem);
    long cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID) - c0, wall = now_ns(CLOCK_MONOTONIC) - w0;
    check("sem_wait_blocks", r == 0 && wall >= 100000000 && cpu < wall / 4,
          "the waiter spun or did not wait (cpu %ld ns of %ld ns)", cpu, wall);
    reap(pid);

    pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 500; i++) {
            sem_wait(&sh->ping);
            sem_post(&sh->pong);
        }
        _exit(0);
    }
    int ok = 1;
    for (int i = 0; i < 500; i++) {
        sem_post(&sh->ping);
        ok &= sem_wait(&sh->pong) == 0;
    }
    int v = -1;
    sem_getvalue(&sh->ping, &v);
    check("sem_ping_pong", ok && reap(pid) == 0 && v == 0, "ok %ld value %ld", ok, v);

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 50000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    errno = 0;
    r = sem_timedwait(&sh->sem, &ts);
    check("sem_timedwait_timeout", r == -1 && errno == ETIMEDOUT, "returned %ld errno %ld", r,
          errno);
}

static void on_usr1(int sig)
{
    (void)sig;
    handled++;
}

/* A blocked sem_wait and a signal: without SA_RESTART it ends with EINTR; with
 * SA_RESTART it goes on waiting and takes the post that comes later. */
static void test_sem_signal(int restart)
{
    sh->ready = 0;
    pid_t pid = fork();
    if (pid == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_usr1;
        sa.sa_flags = restart ? SA_RESTART : 0;
        sigaction(SIGUSR1, &sa, NULL);
        sh->ready = 1;
        errno = 0;
        int r = sem_wait(&sh->sem);
        if (restart)
            _exit(r == 0 && handled == 1 ? 0 : 1);
        _exit(r == -1 && errno == EINTR && handled == 1 ? 0 : 1);
    }
    while (!sh->ready)
        sched_yield();
    sleep_ms(100);
    kill(pid, SIGUSR1);
    if (restart) {
        sleep_ms(100);
        sem_post(&sh->sem);
    }
    int st = reap(pid);
    if (restart)
        check("sem_wait_sa_restart", st == 0, "child status %ld%ld", st, 0);
    else
        check("sem_wait_eintr", st == 0, "child status %ld%ld", st, 0);
    if (!restart && st != 0)
        sem_post(&sh->sem);
}

/* MAP_SHARED anonymous memory outlives the process that made it: a middle process maps
 * it, forks a grandchild and exits; the grandchild (reparented) goes on using it, and
 * so do unmapping it in one holder and reading it in another */
static void test_outlives_creator(void)
{
    int fds[2];
    if (pipe(fds))
        return;
    pid_t mid = fork();
    if (mid == 0) {
        close(fds[0]);
        volatile long *p =
            mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            _exit(2);
        p[0] = 41;
        pid_t g = fork();
        if (g == 0) {
            while (getppid() == mid) /* until the maker is gone */
                sleep_ms(5);
            p[0]++;
            p[1024] = p[0] + 1; /* the second page too */
            long v[2] = {p[0], p[1024]};
            munmap((void *)p, 3 * 4096);
            (void)!write(fds[1], v, sizeof(v));
            _exit(0);
        }
        munmap((void *)p, 3 * 4096); /* the maker unmaps it, then ends */
        _exit(g > 0 ? 0 : 3);
    }
    close(fds[1]);
    long v[2] = {0, 0};
    ssize_t n = read(fds[0], v, sizeof(v));
    close(fds[0]);
    check("shared_anon_outlives_its_maker",
          reap(mid) == 0 && n == sizeof(v) && v[0] == 42 && v[1] == 43,
          "the grandchild read %ld and %ld", v[0], v[1]);
}

static void *lock_and_end(void *m)
{
    pthread_mutex_lock(m);
    return NULL; /* ends holding it */
}

/* Robust mutexes: an owner that ends holding one leaves it to the next locker with
 * EOWNERDEAD; pthread_mutex_consistent makes it usable again. A thread of this process
 * (musl's pthread_exit releases it), then a forked process that exits holding a
 * process-shared one (the system releases it, through set_robust_list). */
static void test_robust(void)
{
    pthread_mutexattr_t a;
    pthread_mutex_t m;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&m, &a);
    pthread_t t;
    int r = pthread_create(&t, NULL, lock_and_end, &m);
    if (r == 0)
        pthread_join(t, NULL);
    r = r ? -1 : pthread_mutex_lock(&m);
    int c = r == EOWNERDEAD ? pthread_mutex_consistent(&m) : -1;
    int u = pthread_mutex_unlock(&m), again = pthread_mutex_lock(&m);
    check("robust_thread_owner_dead", r == EOWNERDEAD && c == 0 && u == 0 && again == 0,
          "lock gave %ld, then consistent %ld", r, c);
    pthread_mutex_unlock(&m);
    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&sh->robust, &a);
    pid_t pid = fork();
    if (pid == 0) {
        _exit(pthread_mutex_lock(&sh->robust) == 0 ? 0 : 2); /* exits holding it */
    }
    int st = reap(pid);
    r = pthread_mutex_lock(&sh->robust);
    c = r == EOWNERDEAD ? pthread_mutex_consistent(&sh->robust) : -1;
    u = pthread_mutex_unlock(&sh->robust);
    again = pthread_mutex_lock(&sh->robust);
    check("robust_process_owner_dead", st == 0 && r == EOWNERDEAD && c == 0 && u == 0 && again == 0,
          "lock gave %ld, then consistent %ld", r, c);
    pthread_mutex_unlock(&sh->robust);
    /* the call itself: the head's size is checked, the head read back */
    long bad = syscall(SYS_set_robust_list, (void *)sh, 4);
    int bad_errno = errno;
    void *head = NULL;
    size_t len = 0;
    long got = syscall(SYS_get_robust_list, 0, &head, &len);
    check("robust_list_calls", bad == -1 && bad_errno == EINVAL && got == 0 && head && len == 24,
          "set with a bad size gave errno %ld, get gave %ld", bad_errno, got);
}

int main(void)
{
    alarm(120); /* a lost wake-up hangs a case: end the run instead */
    sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        printf("FAIL mmap: errno %d\n", errno);
        return 1;
    }
    init_objects();
    test_mutex();
    test_mutex_blocks();
    test_condvar();
    test_condvar_blocks();
    test_barrier();
    test_sem();
    test_sem_signal(1);
    test_sem_signal(0);
    test_outlives_creator();
    test_robust();
    printf("pshared: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}

/*
 * signals: signal delivery as musl programs see it (sigaction with SA_SIGINFO, masks,
 * pending signals, faults, SIGCHLD, EINTR and SA_RESTART, sigsuspend, sigtimedwait,
 * sigaltstack, stop and continue, pthread_cancel of a thread blocked in read, real-time
 * signals queued with their values, tgkill and tkill to a thread of another process). The same
 * static binary runs on the Linux host and in capix; both must print only PASS lines.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include "ptest.h"

static volatile sig_atomic_t got, got_sig, got_code, got_pid, chld;
static volatile uintptr_t got_addr, handler_stack;
static sigjmp_buf jump;

static void on_info(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got++;
    got_sig = sig;
    got_code = si->si_code;
    got_pid = si->si_pid;
    int local;
    handler_stack = (uintptr_t)&local;
}

/* sigaltstack as a handler on the alternate stack sees it: the flags it reports, whether
 * it may change it, and what the frame's uc_stack says */
static volatile int alt_flags, alt_set_err, alt_uc_flags;
static void on_alt(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)si;
    stack_t cur, other;
    sigaltstack(NULL, &cur);
    alt_flags = cur.ss_flags;
    other.ss_sp = cur.ss_sp, other.ss_size = 8192, other.ss_flags = 0;
    alt_set_err = sigaltstack(&other, NULL) == -1 ? errno : 0;
    alt_uc_flags = ((ucontext_t *)uc)->uc_stack.ss_flags;
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = sig;
    got_addr = (uintptr_t)si->si_addr;
    siglongjmp(jump, 1);
}

static void on_chld(int sig)
{
    (void)sig;
    chld++;
}

static void on_plain(int sig)
{
    got++;
    got_sig = sig;
}

static void handle(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static void plain(int sig, void (*fn)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static void sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

static volatile sig_atomic_t alarms, thread_notified;
static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

static void on_timer_thread(union sigval v)
{
    thread_notified = v.sival_int;
}

static int cancel_pipe[2];
static void *blocked_reader(void *arg)
{
    (void)arg;
    char c;
    ssize_t n = read(cancel_pipe[0], &c, 1);
    return (void *)(intptr_t)n; /* only reached if not cancelled */
}

/* Real-time signals queue every instance, standard ones coalesce; sigtimedwait takes
 * one at a time, lowest signal first, instances of one signal in order. */
static void test_queued(void)
{
    pid_t me = getpid();
    int r1 = SIGRTMIN, r2 = SIGRTMIN + 1;
    sigset_t set, old, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, r1);
    sigaddset(&set, r2);
    sigprocmask(SIG_BLOCK, &set, &old);
    int ok = 1;
    for (int v = 1; v <= 3; v++)
        ok &= sigqueue(me, r2, (union sigval){.sival_int = v}) == 0;
    for (int v = 10; v <= 11; v++)
        ok &= sigqueue(me, r1, (union sigval){.sival_int = v}) == 0;
    kill(me, SIGUSR1);
    kill(me, SIGUSR1);
    kill(me, r1); /* a real-time kill queues too (SI_USER, value 0) */
    sigpending(&pend);
    check("rt_sigpending",
          ok && sigismember(&pend, SIGUSR1) && sigismember(&pend, r1) && sigismember(&pend, r2),
          "queued %ld, r2 pending %ld", ok, sigismember(&pend, r2));
    char got_order[128] = "", want[128];
    struct timespec zero = {0, 0};
    siginfo_t si;
    int sig;
    while ((sig = sigtimedwait(&set, &si, &zero)) > 0) {
        size_t n = strlen(got_order);
        snprintf(got_order + n, sizeof(got_order) - n, "%s%d/%d/%d", n ? " " : "",
                 sig - (sig >= SIGRTMIN ? SIGRTMIN : 0),
                 si.si_code == SI_QUEUE ? si.si_value.sival_int : -1, si.si_code == SI_USER);
    }
    snprintf(want, sizeof(want), "%d/-1/1 0/10/0 0/11/0 0/-1/1 1/1/0 1/2/0 1/3/0", SIGUSR1);
    int same = !strcmp(got_order, want);
    check("rt_queued_in_order", same && errno == EAGAIN, "order %ld errno %ld", same, errno);
    if (!same)
        printf("    got  %s\n    want %s\n", got_order, want);

    /* from another process: si_pid, SI_QUEUE and the values */
    pid_t p = fork();
    if (p == 0) {
        for (int v = 5; v <= 7; v++)
            sigqueue(getppid(), r2, (union sigval){.sival_int = v});
        _exit(0);
    }
    int vals = 0, pids = 1;
    struct timespec two = {2, 0};
    for (int i = 0; i < 3; i++) {
        if (sigtimedwait(&set, &si, &two) != r2)
            break;
        vals = vals * 10 + si.si_value.sival_int;
        pids &= si.si_pid == p && si.si_code == SI_QUEUE;
    }
    int st;
    waitpid(p, &st, 0);
    check("rt_sigqueue_other_process", vals == 567 && pids, "values %ld pids %ld", vals, pids);

    /* the queue is bounded (RLIMIT_SIGPENDING): beyond it sigqueue says EAGAIN */
    p = fork();
    if (p == 0) {
        struct rlimit rl = {8, 8};
        if (setrlimit(RLIMIT_SIGPENDING, &rl))
            _exit(100);
        int n = 0;
        while (n < 100 && sigqueue(getpid(), r1, (union sigval){.sival_int = n}) == 0)
            n++;
        _exit(errno == EAGAIN ? n : 101);
    }
    waitpid(p, &st, 0);
    int n = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    check("rt_sigqueue_limit_eagain", n >= 1 && n <= 8, "queued %ld (status %#lx)", n, st);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

/* tgkill and tkill to a thread of another process: its handler runs in that thread. */
static int tk_tid_pipe[2], tk_report[2];
static void tk_handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    int rep[4] = {sig, (int)syscall(SYS_gettid), si->si_code, si->si_pid};
    write(tk_report[1], rep, sizeof(rep));
}

static void *tk_thread(void *arg)
{
    (void)arg;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigaddset(&s, SIGUSR2);
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    int tid = (int)syscall(SYS_gettid);
    write(tk_tid_pipe[1], &tid, sizeof(tid));
    for (;;)
        pause();
    return NULL;
}

static void test_other_thread(void)
{
    pipe(tk_tid_pipe);
    pipe(tk_report);
    pid_t p = fork();
    if (p == 0) {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGUSR1);
        sigaddset(&s, SIGUSR2);
        sigprocmask(SIG_BLOCK, &s, NULL); /* the main thread takes neither */
        handle(SIGUSR1, tk_handler, 0);
        handle(SIGUSR2, tk_handler, 0);
        pthread_t t;
        pthread_create(&t, NULL, tk_thread, NULL);
        for (;;)
            pause();
    }
    int tid = 0, rep[4] = {0};
    read(tk_tid_pipe[0], &tid, sizeof(tid));
    int r = (int)syscall(SYS_tgkill, p, tid, SIGUSR1);
    read(tk_report[0], rep, sizeof(rep));
    check("tgkill_other_process_thread",
          r == 0 && rep[0] == SIGUSR1 && rep[1] == tid && rep[2] == SI_TKILL && rep[3] == getpid(),
          "r %ld handler thread ok %ld", r, rep[1] == tid);
    r = (int)syscall(SYS_tkill, tid, SIGUSR2);
    read(tk_report[0], rep, sizeof(rep));
    check("tkill_other_process_thread", r == 0 && rep[0] == SIGUSR2 && rep[1] == tid,
          "r %ld handler thread ok %ld", r, rep[1] == tid);
    errno = 0;
    r = (int)syscall(SYS_tgkill, p, tid + 77, 0);
    int e1 = errno;
    errno = 0;
    int r2 = (int)syscall(SYS_tgkill, getpid(), tid, 0); /* not a thread of ours */
    check("tgkill_other_esrch", r == -1 && e1 == ESRCH && r2 == -1 && errno == ESRCH,
          "errno %ld, %ld", e1, errno);
    kill(p, SIGKILL);
    int st;
    waitpid(p, &st, 0);
    close(tk_tid_pipe[0]), close(tk_tid_pipe[1]), close(tk_report[0]), close(tk_report[1]);
}

/* Orphaned process groups: when an exit leaves a group with a stopped member and no
 * parent in another group of its session, every member gets SIGHUP, then SIGCONT. */
static int orph_pipe[2];
static void orph_handler(int sig)
{
    char c = sig == SIGHUP ? 'H' : sig == SIGCONT ? 'C' : '?';
    write(orph_pipe[1], &c, 1);
    if (sig == SIGCONT)
        _exit(0);
}

/* A member of a new group that stops itself, reporting SIGHUP and SIGCONT. */
static void orph_stopped_member(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = orph_handler;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGHUP); /* one handler at a time: SIGHUP's first */
    sigaddset(&sa.sa_mask, SIGCONT);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGCONT, &sa, NULL);
    raise(SIGSTOP);
    for (;;)
        pause();
}

/* own: the exiting process is in the stopped member's group (the exit of its last
 * member with a parent outside orphans it); else a child's group is orphaned. */
static void test_orphaned(const char *name, int own)
{
    pipe(orph_pipe);
    pid_t p = fork();
    if (p == 0) {
        setsid(); /* its own session: the group's parents are all in it */
        pid_t leader = fork();
        if (leader == 0) {
            setpgid(0, 0);
            if (!own)
                orph_stopped_member();
            pid_t m = fork(); /* own: a member of this group that stops */
            if (m == 0)
                orph_stopped_member();
            int st;
            waitpid(m, &st, WUNTRACED);
            _exit(0); /* the group's last link to the session's other group goes */
        }
        int st;
        waitpid(leader, &st, own ? 0 : WUNTRACED);
        _exit(0); /* own: nothing more; else the stopped child's group is orphaned */
    }
    close(orph_pipe[1]);
    char got[8] = "";
    size_t n = 0;
    plain(SIGALRM, on_alarm, 0); /* a read that would wait for ever ends with EINTR */
    alarms = 0;
    alarm(5);
    while (n < 2 && !alarms) {
        ssize_t r = read(orph_pipe[0], got + n, 2 - n);
        if (r < 0 && errno == EINTR)
            continue; /* SIGCHLD, or the alarm */
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    alarm(0);
    int st;
    waitpid(p, &st, 0);
    close(orph_pipe[0]);
    check(name, !strcmp(got, "HC"), "got %ld chars, first %ld", (long)n, got[0]);
}

static long ns_of(clockid_t c)
{
    struct timespec t;
    if (clock_gettime(c, &t))
        return -1;
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static void spin_ms(long ms)
{
    long end = ns_of(CLOCK_MONOTONIC) + ms * 1000000L;
    while (ns_of(CLOCK_MONOTONIC) < end) {
    }
}

/* CPU-time clocks, getrusage and times: they grow while we run, not while we sleep;
 * a reaped child's time shows in RUSAGE_CHILDREN and in times' cutime. */
static void test_cpu_time(void)
{
    long p0 = ns_of(CLOCK_PROCESS_CPUTIME_ID), t0 = ns_of(CLOCK_THREAD_CPUTIME_ID);
    long w0 = ns_of(CLOCK_MONOTONIC);
    /* spin until the thread has run 100 ms (on a loaded machine that takes longer than
     * 100 ms of wall time), at most 10 s */
    while (ns_of(CLOCK_THREAD_CPUTIME_ID) - t0 < 100000000 &&
           ns_of(CLOCK_MONOTONIC) - w0 < 10000000000L) {
    }
    long t1 = ns_of(CLOCK_THREAD_CPUTIME_ID), p1 = ns_of(CLOCK_PROCESS_CPUTIME_ID);
    long w1 = ns_of(CLOCK_MONOTONIC);
    check("cputime_clocks_run",
          p0 >= 0 && t0 >= 0 && t1 - t0 >= 100000000 && p1 - p0 >= 50000000 &&
              t1 - t0 <= w1 - w0 + 10000000,
          "process %ld ns, thread %ld ns", p1 - p0, t1 - t0);
    sleep_ms(200);
    long t2 = ns_of(CLOCK_THREAD_CPUTIME_ID);
    check("cputime_clock_sleeps", t2 - t1 < 50000000, "%ld ns asleep%ld", t2 - t1, 0);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    long self_us = ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec +
                   ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec;
    check("getrusage_self", self_us >= 50000 && self_us <= (w1 - w0) / 1000 + 60000000L,
          "%ld us%ld", self_us, 0);
    struct tms before, after;
    times(&before);
    pid_t p = fork();
    if (p == 0) {
        spin_ms(200);
        _exit(0);
    }
    int st;
    struct rusage cru;
    memset(&cru, 0, sizeof(cru));
    wait4(p, &st, 0, &cru);
    times(&after);
    getrusage(RUSAGE_CHILDREN, &ru);
    long child_us = ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec +
                    ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec;
    long wait4_us = cru.ru_utime.tv_sec * 1000000L + cru.ru_utime.tv_usec +
                    cru.ru_stime.tv_sec * 1000000L + cru.ru_stime.tv_usec;
    long ticks =
        (long)(after.tms_cutime + after.tms_cstime - before.tms_cutime - before.tms_cstime);
    check("rusage_children", child_us >= 50000 && wait4_us >= 50000,
          "children %ld us, wait4 %ld us", child_us, wait4_us);
    check("times_cutime", ticks >= 5 && ticks <= 100, "%ld ticks%ld", ticks, 0);
}

/*
 * A process that only makes calls that never wait (getppid in a loop) takes each signal
 * sent to it promptly, one at a time. capix returns from such calls straight to the
 * program (libc/entry.S, rt_sysret): a signal whose redirect finds the thread in that
 * return sequence, past its look for signals, must make it look again, not wait for a
 * later signal. Each of the rounds fails if its signal is not taken within 5 s.
 */
static volatile int *busy_taken;
static void on_busy(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    *busy_taken = si->si_value.sival_int;
}

static void test_busy_target(void)
{
    enum { ROUNDS = 300 };
    busy_taken = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (busy_taken == MAP_FAILED) {
        check("signals_to_busy_process", 0, "mmap errno %ld%ld", errno, 0);
        return;
    }
    *busy_taken = 0;
    int go[2];
    if (pipe(go)) {
        check("signals_to_busy_process", 0, "pipe errno %ld%ld", errno, 0);
        return;
    }
    pid_t p = fork();
    if (p == 0) {
        handle(SIGRTMIN, on_busy, 0);
        if (write(go[1], "x", 1) != 1)
            _exit(2);
        for (;;)
            syscall(SYS_getppid);
    }
    char c;
    int round = 0, late = 0;
    if (read(go[0], &c, 1) == 1) {
        while (round < ROUNDS && !late) {
            round++;
            if (sigqueue(p, SIGRTMIN, (union sigval){.sival_int = round})) {
                late = -errno;
                break;
            }
            struct timespec t0, now;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            do {
                sched_yield();
                clock_gettime(CLOCK_MONOTONIC, &now);
            } while (*busy_taken != round && now.tv_sec - t0.tv_sec < 5);
            late = *busy_taken != round;
        }
    }
    kill(p, SIGKILL);
    waitpid(p, NULL, 0);
    close(go[0]);
    close(go[1]);
    munmap((void *)busy_taken, 4096);
    check("signals_to_busy_process", !late && round == ROUNDS, "round %ld, late %ld", round, late);
}

/*
 * The FPU state (MXCSR, XMM, the x87 control word) across a handler: the handler starts
 * with the initial state (MXCSR 0x1f80, FCW 0x037f) and may clobber it; the interrupted
 * code gets its own back, or what the handler wrote into the frame's fpstate. Once for
 * a signal sent to itself (delivered as kill returns), once for a timer's signal that
 * lands in a loop of user code.
 */
static volatile uint32_t fpu_seen_mxcsr;
static volatile uint16_t fpu_seen_fcw;
static volatile int fpu_new_mxcsr; /* the handler sets the frame's MXCSR to this, if not 0 */
static volatile sig_atomic_t fpu_hits;

static uint32_t mxcsr_get(void)
{
    uint32_t v;
    __asm__ volatile("stmxcsr %0" : "=m"(v));
    return v;
}

static void mxcsr_set(uint32_t v)
{
    __asm__ volatile("ldmxcsr %0" ::"m"(v));
}

static void on_fpu(int sig, siginfo_t *si, void *ucv)
{
    (void)sig, (void)si;
    uint16_t fcw;
    __asm__ volatile("fnstcw %0" : "=m"(fcw));
    fpu_seen_mxcsr = mxcsr_get();
    fpu_seen_fcw = fcw;
    mxcsr_set(0x1f80 | 0x6000); /* round toward zero, in the handler only */
    uint16_t clobber = 0x0c7f;
    __asm__ volatile("fldcw %0\n\tpxor %%xmm7, %%xmm7" ::"m"(clobber) : "xmm7");
    ucontext_t *uc = ucv;
    if (fpu_new_mxcsr && uc->uc_mcontext.fpregs)
        uc->uc_mcontext.fpregs->mxcsr = (uint32_t)fpu_new_mxcsr;
    fpu_hits++;
}

static void test_fpu(void)
{
    handle(SIGUSR2, on_fpu, 0);
    const uint64_t pattern[2] = {0x0123456789abcdefull, 0xfedcba9876543210ull};
    uint64_t back[2];
    uint16_t fcw0, fcw1 = 0x027f; /* 53-bit precision */
    __asm__ volatile("fnstcw %0" : "=m"(fcw0));
    uint32_t mx0 = mxcsr_get();

    /* sent to itself */
    fpu_hits = 0, fpu_new_mxcsr = 0;
    mxcsr_set(0x1f80 | 0x2000); /* round down */
    __asm__ volatile("fldcw %0" ::"m"(fcw1));
    __asm__ volatile("movdqu %1, %%xmm7\n\t"
                     "mov %2, %%eax\n\t"
                     "mov %3, %%edi\n\t"
                     "mov %4, %%esi\n\t"
                     "syscall\n\t"
                     "movdqu %%xmm7, %0"
                     : "=m"(back)
                     : "m"(pattern), "i"(SYS_kill), "r"((int)getpid()), "i"(SIGUSR2)
                     : "rax", "rcx", "r11", "rdi", "rsi", "xmm7", "memory");
    uint16_t fcw;
    __asm__ volatile("fnstcw %0" : "=m"(fcw));
    uint32_t mx = mxcsr_get();
    check("fpu_handler_starts_initial", fpu_hits == 1 && fpu_seen_mxcsr == 0x1f80,
          "hits %ld, MXCSR %#lx", (long)fpu_hits, (long)fpu_seen_mxcsr);
    check("fpu_handler_starts_initial_fcw", fpu_seen_fcw == 0x037f, "FCW %#lx%.0ld",
          (long)fpu_seen_fcw, 0);
    check("fpu_state_back_after_handler",
          back[0] == pattern[0] && back[1] == pattern[1] && mx == (0x1f80 | 0x2000),
          "xmm7 as it was: %ld, MXCSR %#lx", back[0] == pattern[0] && back[1] == pattern[1],
          (long)mx);
    check("fpu_fcw_back_after_handler", fcw == fcw1, "FCW %#lx%.0ld", (long)fcw, 0);

    /* the handler changes the frame's MXCSR: that is what comes back */
    fpu_hits = 0, fpu_new_mxcsr = 0x1f80 | 0x4000; /* round up */
    mxcsr_set(0x1f80);
    kill(getpid(), SIGUSR2);
    mx = mxcsr_get();
    check("fpu_frame_mxcsr_restored", fpu_hits == 1 && mx == (0x1f80 | 0x4000),
          "hits %ld, MXCSR %#lx", (long)fpu_hits, (long)mx);

    /* a timer's signal in a loop of user code, xmm7 live throughout */
    fpu_hits = 0, fpu_new_mxcsr = 0;
    mxcsr_set(0x1f80 | 0x2000);
    struct itimerval it = {{0, 0}, {0, 20000}};
    signal(SIGALRM, SIG_IGN);
    handle(SIGALRM, on_fpu, 0);
    setitimer(ITIMER_REAL, &it, NULL);
    uint64_t spins = 0;
    __asm__ volatile("movdqu %2, %%xmm7\n\t"
                     "1: incq %1\n\t"
                     "cmpl $0, %3\n\t"
                     "je 1b\n\t"
                     "movdqu %%xmm7, %0"
                     : "=m"(back), "+r"(spins)
                     : "m"(pattern), "m"(fpu_hits)
                     : "xmm7", "memory");
    mx = mxcsr_get();
    check("fpu_async_state_back",
          back[0] == pattern[0] && back[1] == pattern[1] && mx == (0x1f80 | 0x2000),
          "xmm7 as it was: %ld, MXCSR %#lx", back[0] == pattern[0] && back[1] == pattern[1],
          (long)mx);
    check("fpu_async_handler_initial", fpu_seen_mxcsr == 0x1f80, "handler's MXCSR %#lx%.0ld",
          (long)fpu_seen_mxcsr, 0);
    signal(SIGALRM, SIG_DFL);
    signal(SIGUSR2, SIG_DFL);
    mxcsr_set(mx0);
    __asm__ volatile("fldcw %0" ::"m"(fcw0));
}

int main(void)
{
    pid_t me = getpid();
    test_fpu();
    sigset_t set, old;

    /* kill to ourselves: SA_SIGINFO with SI_USER and our pid */
    handle(SIGUSR1, on_info, 0);
    got = 0;
    kill(me, SIGUSR1);
    check("kill_self_delivered", got == 1 && got_sig == SIGUSR1, "got %ld sig %ld", got, got_sig);
    check("siginfo_si_user", got_code == SI_USER && got_pid == me, "code %ld pid %ld", got_code,
          got_pid);
    got = 0;
    raise(SIGUSR1);
    check("raise_delivered", got == 1 && got_code == SI_TKILL, "got %ld code %ld", got, got_code);

    /* blocked: pending until unblocked */
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &old);
    got = 0;
    kill(me, SIGUSR1);
    sigset_t pend;
    sigpending(&pend);
    check("blocked_not_delivered", got == 0 && sigismember(&pend, SIGUSR1), "got %ld%ld", got, 0);
    sigprocmask(SIG_SETMASK, &old, NULL);
    check("unblock_delivers", got == 1, "got %ld%ld", got, 0);

    /* SA_RESETHAND: once, then the default */
    handle(SIGUSR2, on_info, SA_RESETHAND);
    got = 0;
    raise(SIGUSR2);
    struct sigaction cur;
    sigaction(SIGUSR2, NULL, &cur);
    check("sa_resethand", got == 1 && cur.sa_handler == SIG_DFL, "got %ld%ld", got, 0);

    /* ignored signals vanish: not delivered (the default would end us), not pending */
    signal(SIGUSR2, SIG_IGN);
    sigprocmask(SIG_BLOCK, &set, &old); /* SIGUSR1 blocked: it stays pending, SIGUSR2 not */
    raise(SIGUSR2);
    kill(me, SIGUSR1);
    sigpending(&pend);
    sigprocmask(SIG_SETMASK, &old, NULL);
    check("ignored_signal", !sigismember(&pend, SIGUSR2) && sigismember(&pend, SIGUSR1),
          "pending SIGUSR2 %ld, SIGUSR1 %ld", sigismember(&pend, SIGUSR2),
          sigismember(&pend, SIGUSR1));
    /* blocked, an ignored signal stays pending (Linux); unblocked, it goes */
    sigset_t set2;
    sigemptyset(&set2);
    sigaddset(&set2, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set2, &old);
    raise(SIGUSR2);
    sigpending(&pend);
    int was_pending = sigismember(&pend, SIGUSR2);
    sigprocmask(SIG_SETMASK, &old, NULL);
    sigpending(&pend);
    check("ignored_blocked_stays_pending", was_pending && !sigismember(&pend, SIGUSR2),
          "pending while blocked %ld, after %ld", was_pending, sigismember(&pend, SIGUSR2));
    signal(SIGUSR2, SIG_DFL);

    /* a fault with a handler: si_addr, and out by siglongjmp */
    handle(SIGSEGV, on_segv, SA_NODEFER);
    got_sig = 0;
    if (sigsetjmp(jump, 1) == 0)
        *(volatile int *)0x1238 = 1;
    check("sigsegv_handler", got_sig == SIGSEGV && got_addr == 0x1238, "sig %ld addr %#lx", got_sig,
          (long)got_addr);
    signal(SIGSEGV, SIG_DFL);

    /* sigaltstack */
    static char alt[65536];
    stack_t ss = {.ss_sp = alt, .ss_size = sizeof(alt), .ss_flags = 0};
    sigaltstack(&ss, NULL);
    handle(SIGUSR1, on_info, SA_ONSTACK);
    raise(SIGUSR1);
    check("sigaltstack_used",
          handler_stack >= (uintptr_t)alt && handler_stack < (uintptr_t)alt + sizeof(alt),
          "handler stack %#lx%ld", (long)handler_stack, 0);
    handle(SIGUSR1, on_alt, SA_ONSTACK);
    raise(SIGUSR1);
    check("sigaltstack_on_stack", alt_flags == SS_ONSTACK && alt_set_err == EPERM && !alt_uc_flags,
          "flags %#lx, change gave errno %ld", (long)alt_flags, (long)alt_set_err);
    ss.ss_flags = SS_AUTODISARM;
    stack_t back = {0};
    alt_set_err = -1;
    int disarm_ok = sigaltstack(&ss, NULL) == 0;
    raise(SIGUSR1);
    sigaltstack(NULL, &back);
    check("sigaltstack_autodisarm",
          disarm_ok && alt_flags == SS_DISABLE && alt_set_err == 0 &&
              alt_uc_flags == (int)SS_AUTODISARM && back.ss_sp == alt &&
              back.ss_size == sizeof(alt) && back.ss_flags == (int)SS_AUTODISARM,
          "flags in the handler %#lx, after %#lx", (long)alt_flags, (long)back.ss_flags);
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
    handle(SIGUSR1, on_info, 0);

    /* a child killed by a signal, and SIGCHLD to us */
    plain(SIGCHLD, on_chld, 0);
    chld = 0;
    pid_t p = fork();
    if (p == 0) {
        for (;;)
            pause();
    }
    sleep_ms(50);
    kill(p, SIGTERM);
    int st = 0;
    while (waitpid(p, &st, 0) < 0 && errno == EINTR) {
    }
    check("child_killed_sigterm", WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "status %#lx%ld", st,
          0);
    check("sigchld_delivered", chld >= 1, "chld %ld%ld", chld, 0);

    /* EINTR: a read on an empty pipe, interrupted by a signal from a child */
    int pfd[2];
    pipe(pfd);
    plain(SIGUSR2, on_plain, 0);
    p = fork();
    if (p == 0) {
        sleep_ms(100);
        kill(getppid(), SIGUSR2);
        _exit(0);
    }
    char c;
    got = 0;
    errno = 0;
    ssize_t n = read(pfd[0], &c, 1);
    check("read_eintr", n == -1 && errno == EINTR && got == 1, "n %ld errno %ld", n, errno);
    waitpid(p, &st, 0);

    /* SA_RESTART: the read goes on and gets the byte the child writes after the signal */
    plain(SIGUSR2, on_plain, SA_RESTART);
    p = fork();
    if (p == 0) {
        sleep_ms(100);
        kill(getppid(), SIGUSR2);
        sleep_ms(100);
        write(pfd[1], "x", 1);
        _exit(0);
    }
    got = 0;
    n = read(pfd[0], &c, 1);
    check("read_sa_restart", n == 1 && c == 'x' && got == 1, "n %ld got %ld", n, got);
    waitpid(p, &st, 0);

    /* sigsuspend */
    sigprocmask(SIG_BLOCK, &set, &old);
    p = fork();
    if (p == 0) {
        sleep_ms(50);
        kill(getppid(), SIGUSR1);
        _exit(0);
    }
    got = 0;
    sigset_t none;
    sigemptyset(&none);
    int r = sigsuspend(&none);
    sigset_t now;
    sigprocmask(SIG_SETMASK, NULL, &now);
    check("sigsuspend", r == -1 && errno == EINTR && got == 1 && sigismember(&now, SIGUSR1),
          "r %ld got %ld", r, got);
    sigprocmask(SIG_SETMASK, &old, NULL);
    waitpid(p, &st, 0);

    /* sigtimedwait */
    sigprocmask(SIG_BLOCK, &set, &old);
    p = fork();
    if (p == 0) {
        kill(getppid(), SIGUSR1);
        _exit(0);
    }
    siginfo_t si;
    struct timespec two = {2, 0};
    r = sigtimedwait(&set, &si, &two);
    check("sigtimedwait", r == SIGUSR1 && si.si_pid == p, "r %ld pid %ld", r, si.si_pid);
    struct timespec short_t = {0, 20000000};
    r = sigtimedwait(&set, &si, &short_t);
    check("sigtimedwait_timeout", r == -1 && errno == EAGAIN, "r %ld errno %ld", r, errno);
    sigprocmask(SIG_SETMASK, &old, NULL);
    waitpid(p, &st, 0);

    /* stop and continue */
    p = fork();
    if (p == 0) {
        for (;;)
            pause();
    }
    kill(p, SIGSTOP);
    while (waitpid(p, &st, WUNTRACED) < 0 && errno == EINTR) {
    }
    check("waitpid_stopped", WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP, "status %#lx%ld", st, 0);
    kill(p, SIGCONT);
    while (waitpid(p, &st, WCONTINUED) < 0 && errno == EINTR) {
    }
    check("waitpid_continued", WIFCONTINUED(st), "status %#lx%ld", st, 0);
    kill(p, SIGKILL);
    while (waitpid(p, &st, 0) < 0 && errno == EINTR) {
    }
    check("sigkill", WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status %#lx%ld", st, 0);
    check("kill_esrch", kill(99999, 0) == -1 && errno == ESRCH, "errno %ld%ld", errno, 0);

    /* timers: alarm interrupts pause; setitimer repeats; POSIX timers by signal and thread */
    plain(SIGALRM, on_alarm, 0);
    alarms = 0;
    alarm(1);
    check("alarm_left", alarm(1) == 1, "%ld%ld", 0, 0);
    r = pause();
    check("alarm_pause", r == -1 && errno == EINTR && alarms == 1, "alarms %ld%ld", alarms, 0);
    struct itimerval it = {{0, 20000}, {0, 20000}}, cur_it;
    alarms = 0;
    setitimer(ITIMER_REAL, &it, NULL);
    while (alarms < 3)
        pause();
    getitimer(ITIMER_REAL, &cur_it);
    check("setitimer_repeats", alarms >= 3 && cur_it.it_interval.tv_usec == 20000,
          "alarms %ld interval %ld", alarms, (long)cur_it.it_interval.tv_usec);
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    timer_t tm;
    struct sigevent sev;
    memset(&sev, 0, sizeof(sev));
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGUSR1;
    sev.sigev_value.sival_int = 77;
    handle(SIGUSR1, on_info, 0);
    got = 0;
    check("timer_create", timer_create(CLOCK_MONOTONIC, &sev, &tm) == 0, "errno %ld%ld", errno, 0);
    struct itimerspec its = {{0, 0}, {0, 30000000}};
    timer_settime(tm, 0, &its, NULL);
    struct itimerspec left_its;
    timer_gettime(tm, &left_its);
    check("timer_gettime", left_its.it_value.tv_sec == 0 && left_its.it_value.tv_nsec > 0,
          "left %ld%ld", left_its.it_value.tv_nsec, 0);
    while (!got)
        pause();
    check("timer_sigev_signal", got == 1 && got_code == SI_TIMER, "got %ld code %ld", got,
          got_code);
    check("timer_delete", timer_delete(tm) == 0, "errno %ld%ld", errno, 0);
    memset(&sev, 0, sizeof(sev));
    sev.sigev_notify = SIGEV_THREAD;
    sev.sigev_notify_function = on_timer_thread;
    sev.sigev_value.sival_int = 42;
    thread_notified = 0;
    if (timer_create(CLOCK_REALTIME, &sev, &tm) == 0) {
        timer_settime(tm, 0, &its, NULL);
        for (int i = 0; i < 100 && !thread_notified; i++)
            sleep_ms(10);
        timer_delete(tm);
    }
    check("timer_sigev_thread", thread_notified == 42, "notified %ld%ld", thread_notified, 0);

    /* pthread_cancel of a thread blocked in read */
    pipe(cancel_pipe);
    pthread_t t;
    pthread_create(&t, NULL, blocked_reader, NULL);
    sleep_ms(100);
    pthread_cancel(t);
    void *res = NULL;
    pthread_join(t, &res);
    check("pthread_cancel_blocked_read", res == PTHREAD_CANCELED, "result %ld%ld", (long)res, 0);

    test_cpu_time();
    test_orphaned("orphaned_group_child_exit", 0);
    test_orphaned("orphaned_group_own_exit", 1);
    test_queued();
    test_other_thread();
    test_busy_target();

    printf("signals: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}

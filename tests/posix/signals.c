/*
 * signals: signal delivery as musl programs see it (sigaction with SA_SIGINFO, masks,
 * pending signals, faults, SIGCHLD, EINTR and SA_RESTART, sigsuspend, sigtimedwait,
 * sigaltstack, stop and continue, pthread_cancel of a thread blocked in read). The same
 * static binary runs on the Linux host and in capix; both must print only PASS lines.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int passed, failed;

static void check(const char *name, int ok, const char *fmt, long a, long b)
{
    if (ok) {
        printf("PASS %s\n", name);
        passed++;
    } else {
        printf("FAIL %s: ", name);
        printf(fmt, a, b);
        printf("\n");
        failed++;
    }
    fflush(stdout);
}

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

int main(void)
{
    pid_t me = getpid();
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

    printf("signals: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}

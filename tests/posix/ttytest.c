/*
 * ttytest: the terminal calls bash, coreutils and vim make, on the controlling terminal
 * that stdin is. The same static binary runs in a pty on the Linux host and on capix's
 * console (tests/terminal/console-test.py); both must print only PASS lines. It must be
 * run in the foreground; it leaves the terminal as it found it. Last, the terminal is
 * passed with SCM_RIGHTS to a fork child in a new session.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include "passfd.h"

static int passed, failed;

static void check(const char *name, int ok, long a, long b)
{
    if (ok)
        printf("PASS %s\n", name), passed++;
    else
        printf("FAIL %s: got %ld, %ld\n", name, a, b), failed++;
    fflush(stdout);
}

static volatile sig_atomic_t caught;
static void on_signal(int sig)
{
    caught = sig;
}

/* Runs fn in a child of a new (background) process group; returns its exit code. */
static int in_background(int (*fn)(void))
{
    pid_t p = fork();
    if (p == 0) {
        setpgid(0, 0);
        _exit(fn());
    }
    setpgid(p, p);
    int st = 0;
    waitpid(p, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

static void handle(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal; /* no SA_RESTART: the call ends with EINTR */
    sigaction(sig, &sa, NULL);
}

/* 0 when a background read raised SIGTTIN and ended with EINTR */
static int bg_read_ttin(void)
{
    char c;
    handle(SIGTTIN);
    ssize_t n = read(0, &c, 1);
    return n == -1 && errno == EINTR && caught == SIGTTIN ? 0 : 1;
}

static int bg_read_ignored(void)
{
    char c;
    signal(SIGTTIN, SIG_IGN);
    ssize_t n = read(0, &c, 1);
    return n == -1 && errno == EIO ? 0 : 1;
}

static int bg_write_plain(void)
{
    return write(1, "", 0) == 0 && write(1, "\r", 1) == 1 ? 0 : 1;
}

static int bg_write_tostop(void)
{
    struct termios t;
    tcgetattr(0, &t);
    handle(SIGTTOU);
    /* TOSTOP is set by the parent; a background write raises SIGTTOU */
    ssize_t n = write(1, "x", 1);
    return n == -1 && errno == EINTR && caught == SIGTTOU ? 0 : 1;
}

static int bg_setattr(void)
{
    struct termios t;
    tcgetattr(0, &t);
    handle(SIGTTOU);
    int r = tcsetattr(0, TCSANOW, &t);
    if (!(r == -1 && errno == EINTR && caught == SIGTTOU))
        return 1;
    signal(SIGTTOU, SIG_IGN); /* ignored: the change goes through */
    return tcsetattr(0, TCSANOW, &t) == 0 ? 0 : 2;
}

static int new_session(void)
{
    pid_t q = fork(); /* not a group leader: setsid may make a session */
    if (q == 0) {
        if (setsid() < 0)
            _exit(1);
        _exit(tcgetpgrp(0) == -1 && errno == ENOTTY ? 0 : 2);
    }
    int st = 0;
    waitpid(q, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 3;
}

static int notty(void)
{
    if (ioctl(0, TIOCNOTTY) != 0)
        return 1;
    return tcgetpgrp(0) == -1 && errno == ENOTTY ? 0 : 2;
}

/* The terminal (descriptor 0) passed with SCM_RIGHTS to a fork child: a terminal there,
 * with the same settings, and not its controlling terminal (it has none after setsid).
 * 0 if all held, else the first check that failed. */
static int passed_terminal(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
        return 1;
    pid_t p = fork();
    if (p == 0) {
        struct termios mine, got;
        tcgetattr(0, &mine);
        close(0);
        setsid();
        int fd = pass_fd(sv[1], -1, NULL);
        if (fd < 0)
            _exit(2);
        if (!isatty(fd) || tcgetattr(fd, &got) || got.c_lflag != mine.c_lflag)
            _exit(3);
        if (tcgetpgrp(fd) != -1 && tcgetsid(fd) == getsid(0))
            _exit(4); /* it became the controlling terminal */
        _exit(0);
    }
    if (pass_fd(sv[0], 0, NULL) != 0)
        return 5;
    int st = 0;
    waitpid(p, &st, 0);
    close(sv[0]);
    close(sv[1]);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(void)
{
    struct termios orig, t;
    struct winsize ws, ws2;
    int n;
    check("isatty", isatty(0) == 1, isatty(0), 0);
    check("tcgetattr", tcgetattr(0, &orig) == 0, errno, 0);
    check("canonical and echo by default",
          (orig.c_lflag & (ICANON | ECHO | ISIG)) == (ICANON | ECHO | ISIG), (long)orig.c_lflag, 0);
    t = orig;
    t.c_lflag &= ~ECHO;
    tcsetattr(0, TCSANOW, &t);
    tcgetattr(0, &t);
    check("tcsetattr clears ECHO", !(t.c_lflag & ECHO), (long)t.c_lflag, 0);
    check("tcsetattr TCSAFLUSH", tcsetattr(0, TCSAFLUSH, &orig) == 0, errno, 0);
    tcgetattr(0, &t);
    check("settings restored", t.c_lflag == orig.c_lflag, (long)t.c_lflag, (long)orig.c_lflag);
    check("TIOCGWINSZ", ioctl(0, TIOCGWINSZ, &ws) == 0, errno, 0);
    ws2 = ws, ws2.ws_row = 33, ws2.ws_col = 77;
    signal(SIGWINCH, on_signal);
    caught = 0;
    ioctl(0, TIOCSWINSZ, &ws2);
    memset(&ws2, 0, sizeof(ws2));
    ioctl(0, TIOCGWINSZ, &ws2);
    check("TIOCSWINSZ", ws2.ws_row == 33 && ws2.ws_col == 77, ws2.ws_row, ws2.ws_col);
    for (int i = 0; i < 100 && caught != SIGWINCH; i++)
        usleep(10000);
    check("SIGWINCH to the foreground group", caught == SIGWINCH, caught, 0);
    ioctl(0, TIOCSWINSZ, &ws);
    signal(SIGWINCH, SIG_DFL);
    check("tcgetpgrp is our group", tcgetpgrp(0) == getpgrp(), tcgetpgrp(0), getpgrp());
    check("tcgetsid is our session", tcgetsid(0) == getsid(0), tcgetsid(0), getsid(0));
    n = -1;
    check("FIONREAD", ioctl(0, FIONREAD, &n) == 0 && n == 0, n, errno);
    check("tcflush input", tcflush(0, TCIFLUSH) == 0, errno, 0);
    check("tcflush bad queue", tcflush(0, 7) == -1 && errno == EINVAL, errno, 0);
    check("tcflow TCOON", tcflow(0, TCOON) == 0, errno, 0);
    check("tcdrain", tcdrain(1) == 0, errno, 0);
    check("tcsetpgrp no such group", tcsetpgrp(0, 999999) == -1 && errno == ESRCH, errno, 0);
    check("unknown ioctl", ioctl(0, 0x54ff, &n) == -1 && errno == ENOTTY, errno, 0);
    check("background read: SIGTTIN", in_background(bg_read_ttin) == 0, 0, 0);
    check("background read, SIGTTIN ignored: EIO", in_background(bg_read_ignored) == 0, 0, 0);
    check("background write", in_background(bg_write_plain) == 0, 0, 0);
    t = orig;
    t.c_lflag |= TOSTOP;
    tcsetattr(0, TCSANOW, &t);
    check("background write with TOSTOP: SIGTTOU", in_background(bg_write_tostop) == 0, 0, 0);
    tcsetattr(0, TCSANOW, &orig);
    check("background tcsetattr: SIGTTOU, then ignored", in_background(bg_setattr) == 0, 0, 0);
    check("setsid: no controlling terminal", in_background(new_session) == 0, 0, 0);
    check("TIOCNOTTY by a process that is not the leader", in_background(notty) == 0, 0, 0);
    /* hand the terminal to another group and take it back, as a shell does */
    pid_t p = fork();
    if (p == 0) {
        setpgid(0, 0);
        pause();
        _exit(0);
    }
    setpgid(p, p);
    int r = tcsetpgrp(0, p);
    check("tcsetpgrp to a child's group", r == 0 && tcgetpgrp(0) == p, r, tcgetpgrp(0));
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTTOU);
    sigprocmask(SIG_BLOCK, &block, &old);
    r = tcsetpgrp(0, getpgrp()); /* from the background, SIGTTOU blocked */
    sigprocmask(SIG_SETMASK, &old, NULL);
    check("tcsetpgrp back from the background", r == 0 && tcgetpgrp(0) == getpgrp(), r,
          tcgetpgrp(0));
    kill(p, SIGKILL);
    waitpid(p, NULL, 0);
    r = passed_terminal();
    check("terminal passed with SCM_RIGHTS", r == 0, r, 0);
    printf("ttytest: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}

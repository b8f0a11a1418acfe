/*
 * locktest: file locks between processes on a shared file (/tmp: a file-system server
 * in capix, which keeps them): fcntl record locks (conflicts, the owner's pid in
 * F_GETLK, merging and splitting, release on any close and at exit, F_SETLKW waiting,
 * EDEADLK for the two-process cycle, EINTR), OFD locks, flock, and the errors Linux
 * gives. The same binary runs on Linux and in capix; the output must be the same.
 * One line per case: "PASS name" or "FAIL name: why".
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

static int lk(int fd, int cmd, short type, off_t start, off_t len)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    return fcntl(fd, cmd, &fl);
}

/* F_GETLK for a write lock over [start, start + len): the answer in *fl. */
static int getlk(int fd, off_t start, off_t len, struct flock *fl)
{
    memset(fl, 0, sizeof *fl);
    fl->l_type = F_WRLCK;
    fl->l_whence = SEEK_SET;
    fl->l_start = start;
    fl->l_len = len;
    return fcntl(fd, F_GETLK, fl);
}

static int wait_child(pid_t pid)
{
    int st = 0;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

static void on_alarm(int sig)
{
    (void)sig;
}

static char path[64];

/* Record locks between a parent and its fork child (a separate process, as far as
 * locks go: it owns nothing of the parent's). */
static void record_locks(int fd)
{
    pid_t parent = getpid(), pid;
    int go[2], done[2];
    struct flock fl;

    check("setlk-write", lk(fd, F_SETLK, F_WRLCK, 0, 10) == 0, "F_SETLK");
    check("setlk-write-adjacent", lk(fd, F_SETLK, F_WRLCK, 10, 10) == 0, "F_SETLK");
    check("getlk-own-no-conflict", getlk(fd, 0, 0, &fl) == 0 && fl.l_type == F_UNLCK,
          "own lock reported");
    pipe(go);
    pipe(done);
    pid = fork();
    if (pid == 0) {
        char c;
        int bad = 0;
        errno = 0;
        if (!(lk(fd, F_SETLK, F_WRLCK, 5, 1) == -1 && (errno == EAGAIN || errno == EACCES)))
            bad |= 1;
        /* merged: one lock [0, 19] of the parent */
        if (!(getlk(fd, 0, 0, &fl) == 0 && fl.l_type == F_WRLCK && fl.l_start == 0 &&
              fl.l_len == 20 && fl.l_pid == parent && fl.l_whence == SEEK_SET))
            bad |= 2;
        if (lk(fd, F_SETLK, F_RDLCK, 20, 10) != 0)
            bad |= 4;
        write(done[1], "a", 1);
        read(go[0], &c, 1); /* the parent unlocked [5, 9]: split */
        if (!(getlk(fd, 5, 5, &fl) == 0 && fl.l_type == F_UNLCK))
            bad |= 8;
        if (!(getlk(fd, 0, 8, &fl) == 0 && fl.l_type == F_WRLCK && fl.l_start == 0 &&
              fl.l_len == 5))
            bad |= 16;
        if (!(getlk(fd, 6, 100, &fl) == 0 && fl.l_type == F_WRLCK && fl.l_start == 10 &&
              fl.l_len == 10))
            bad |= 32;
        write(done[1], "b", 1);
        read(go[0], &c, 1); /* the parent closed another descriptor of the file */
        if (!(getlk(fd, 0, 0, &fl) == 0 && fl.l_type == F_UNLCK))
            bad |= 64;
        _exit(bad);
    }
    char c;
    read(done[0], &c, 1);
    errno = 0;
    check("child-read-lock-blocks-parent-write",
          lk(fd, F_SETLK, F_WRLCK, 25, 1) == -1 && (errno == EAGAIN || errno == EACCES),
          "no conflict");
    check("getlk-reports-child",
          getlk(fd, 0, 0, &fl) == 0 && fl.l_type == F_RDLCK && fl.l_start == 20 && fl.l_len == 10 &&
              fl.l_pid == pid,
          "wrong answer");
    check("unlock-middle", lk(fd, F_SETLK, F_UNLCK, 5, 5) == 0, "F_UNLCK");
    write(go[1], "x", 1);
    read(done[0], &c, 1);
    int other = open(path, O_RDONLY);
    close(other); /* any close of the file releases the process's locks */
    write(go[1], "y", 1);
    int st = wait_child(pid);
    check("child-conflict-eagain", !(st & 1), "no conflict");
    check("child-getlk-merged", !(st & 2), "wrong answer");
    check("child-read-lock", !(st & 4), "F_SETLK");
    check("child-sees-split", !(st & 24), "wrong answer");
    check("child-getlk-first-after-gap", !(st & 32), "wrong answer");
    check("close-releases-locks", !(st & 64) && st < 128, "locks left");
    /* the child's locks went at its exit */
    check("exit-releases-locks", lk(fd, F_SETLK, F_WRLCK, 0, 0) == 0, "child's lock left");
    lk(fd, F_SETLK, F_UNLCK, 0, 0);
    close(go[0]), close(go[1]), close(done[0]), close(done[1]);
}

/* Closing a duplicate (same description) releases the process's locks too. */
static void dup_close(int fd)
{
    struct flock fl;
    check("lock-before-dup", lk(fd, F_SETLK, F_WRLCK, 0, 1) == 0, "F_SETLK");
    close(dup(fd));
    pid_t pid = fork();
    if (pid == 0)
        _exit(getlk(fd, 0, 1, &fl) == 0 && fl.l_type == F_UNLCK ? 0 : 1);
    check("close-of-dup-releases", wait_child(pid) == 0, "lock left");
}

/* A holder killed with SIGKILL leaves no lock behind. */
static void killed_holder(int fd)
{
    int ready[2];
    char c;
    pipe(ready);
    pid_t pid = fork();
    if (pid == 0) {
        if (lk(fd, F_SETLK, F_WRLCK, 100, 1) != 0)
            _exit(1);
        write(ready[1], "r", 1);
        for (;;)
            pause();
    }
    read(ready[0], &c, 1);
    errno = 0;
    check("killed-holder-holds", lk(fd, F_SETLK, F_WRLCK, 100, 1) == -1 && errno == EAGAIN,
          "no conflict");
    kill(pid, SIGKILL);
    check("killed-holder-killed", wait_child(pid) == 100 + SIGKILL, "not killed");
    check("kill-releases-locks", lk(fd, F_SETLK, F_WRLCK, 100, 1) == 0, "lock left");
    lk(fd, F_SETLK, F_UNLCK, 0, 0);
    close(ready[0]), close(ready[1]);
}

/* F_SETLKW: waits until the holder unlocks; EDEADLK for the two-process cycle; EINTR. */
static void blocking(int fd)
{
    int ready[2];
    char c;
    pipe(ready);
    check("parent-holds-0", lk(fd, F_SETLK, F_WRLCK, 0, 1) == 0, "F_SETLK");
    pid_t pid = fork();
    if (pid == 0) {
        if (lk(fd, F_SETLK, F_WRLCK, 1, 1) != 0)
            _exit(1);
        write(ready[1], "r", 1);
        /* waits for the parent's [0, 0] */
        if (lk(fd, F_SETLKW, F_WRLCK, 0, 1) != 0)
            _exit(2);
        _exit(0);
    }
    read(ready[0], &c, 1);
    nap_ms(300); /* the child waits by now */
    errno = 0;
    check("edeadlk-two-process-cycle", lk(fd, F_SETLKW, F_WRLCK, 1, 1) == -1 && errno == EDEADLK,
          "no EDEADLK");
    check("unlock-wakes-waiter", lk(fd, F_SETLK, F_UNLCK, 0, 1) == 0, "F_UNLCK");
    check("waiter-got-lock", wait_child(pid) == 0, "child failed");

    /* a signal ends the wait */
    check("parent-holds-again", lk(fd, F_SETLK, F_WRLCK, 0, 1) == 0, "F_SETLK");
    pid = fork();
    if (pid == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_alarm;
        sigaction(SIGALRM, &sa, NULL);
        alarm(1);
        errno = 0;
        int r = lk(fd, F_SETLKW, F_WRLCK, 0, 1);
        _exit(r == -1 && errno == EINTR ? 0 : 1);
    }
    check("setlkw-eintr", wait_child(pid) == 0, "no EINTR");
    lk(fd, F_SETLK, F_UNLCK, 0, 0);
    close(ready[0]), close(ready[1]);
}

static void ofd_and_flock(void)
{
    int a = open(path, O_RDWR), b = open(path, O_RDWR);
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
    check("ofd-setlk", fcntl(a, F_OFD_SETLK, &fl) == 0, "F_OFD_SETLK");
    fl.l_start = 5;
    fl.l_len = 1;
    errno = 0;
    check("ofd-conflict-same-process", fcntl(b, F_OFD_SETLK, &fl) == -1 && errno == EAGAIN,
          "no conflict");
    check("ofd-getlk",
          fcntl(b, F_OFD_GETLK, &fl) == 0 && fl.l_type == F_WRLCK && fl.l_start == 0 &&
              fl.l_len == 10 && fl.l_pid == -1,
          "wrong answer");
    fl.l_type = F_RDLCK;
    fl.l_pid = 1;
    errno = 0;
    check("ofd-pid-einval", fcntl(b, F_OFD_SETLK, &fl) == -1 && errno == EINVAL, "no EINVAL");
    close(a);
    fl.l_pid = 0;
    fl.l_type = F_WRLCK;
    check("ofd-close-releases", fcntl(b, F_OFD_SETLK, &fl) == 0, "lock left");
    fl.l_type = F_UNLCK;
    fcntl(b, F_OFD_SETLK, &fl);

    a = open(path, O_RDONLY);
    check("flock-ex", flock(a, LOCK_EX) == 0, "flock");
    errno = 0;
    check("flock-other-description", flock(b, LOCK_SH | LOCK_NB) == -1 && errno == EWOULDBLOCK,
          "no EWOULDBLOCK");
    check("flock-apart-from-fcntl", lk(b, F_SETLK, F_WRLCK, 0, 0) == 0, "conflict");
    lk(b, F_SETLK, F_UNLCK, 0, 0);
    pid_t pid = fork();
    if (pid == 0) /* the same description: its lock is the child's too */
        _exit(flock(a, LOCK_EX | LOCK_NB) == 0 ? 0 : 1);
    check("flock-inherited-description", wait_child(pid) == 0, "conflict");
    check("flock-un", flock(a, LOCK_UN) == 0, "flock");
    check("flock-after-un", flock(b, LOCK_EX | LOCK_NB) == 0, "conflict");
    errno = 0;
    check("flock-bad-op", flock(b, 3) == -1 && errno == EINVAL, "no EINVAL");
    close(a);
    close(b);
}

static void errors(int fd)
{
    struct flock fl = {.l_type = 7, .l_whence = SEEK_SET};
    errno = 0;
    check("bad-type-einval", fcntl(fd, F_SETLK, &fl) == -1 && errno == EINVAL, "no EINVAL");
    fl.l_type = F_RDLCK;
    fl.l_whence = 5;
    errno = 0;
    check("bad-whence-einval", fcntl(fd, F_SETLK, &fl) == -1 && errno == EINVAL, "no EINVAL");
    fl.l_whence = SEEK_SET;
    fl.l_start = -1;
    errno = 0;
    check("negative-start-einval", fcntl(fd, F_SETLK, &fl) == -1 && errno == EINVAL, "no EINVAL");
    fl.l_start = 10;
    fl.l_len = -11;
    errno = 0;
    check("negative-len-before-0-einval", fcntl(fd, F_SETLK, &fl) == -1 && errno == EINVAL,
          "no EINVAL");
    fl.l_start = INT64_MAX;
    fl.l_len = 2;
    errno = 0;
    check("overflow-eoverflow", fcntl(fd, F_SETLK, &fl) == -1 && errno == EOVERFLOW,
          "no EOVERFLOW");
    fl.l_start = 0;
    fl.l_len = 0;
    fl.l_type = F_UNLCK;
    errno = 0;
    check("getlk-unlck-einval", fcntl(fd, F_GETLK, &fl) == -1 && errno == EINVAL, "no EINVAL");
    int ro = open(path, O_RDONLY);
    fl.l_type = F_WRLCK;
    errno = 0;
    check("write-lock-readonly-ebadf", fcntl(ro, F_SETLK, &fl) == -1 && errno == EBADF, "no EBADF");
    close(ro);
    errno = 0;
    check("bad-fd-ebadf", fcntl(999, F_SETLK, &fl) == -1 && errno == EBADF, "no EBADF");
    fl.l_type = F_RDLCK;
    fl.l_whence = SEEK_END;
    fl.l_start = -2;
    fl.l_len = 1;
    check("seek-end-range", fcntl(fd, F_SETLK, &fl) == 0, "F_SETLK");
    fl.l_type = F_UNLCK;
    fcntl(fd, F_SETLK, &fl);
}

/* ---- every way a process ends (issue 20): exit, a signal's default action, SIGKILL
 * (also in a blocking wait), exec with and without close-on-exec, dup2 over a
 * descriptor ---- */

/* A new description of the file. */
static int open_rw(int extra)
{
    return open(path, O_RDWR | extra);
}

/* Whether a flock of another description than the holder's would be granted now. */
static int flock_free(void)
{
    int fd = open_rw(0), r = flock(fd, LOCK_EX | LOCK_NB);
    close(fd);
    return r == 0;
}

/* Whether [start, start + 1) is free of another process's record lock (F_GETLK). */
static int record_free(int fd, off_t start, pid_t *holder)
{
    struct flock fl;
    if (getlk(fd, start, 1, &fl) != 0)
        return -1;
    if (holder)
        *holder = fl.l_type == F_UNLCK ? 0 : fl.l_pid;
    return fl.l_type == F_UNLCK;
}

/* The program run by exec in these cases: writes one byte to fd argv[2] and waits to be
 * killed. */
static int sleeper(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    write(atoi(argv[2]), "e", 1);
    for (;;)
        pause();
}

/* How a child ends after taking a lock. */
enum ending { END_EXIT, END_SIGTERM, END_SIGKILL };

/* A child takes a lock on its own description (kind 0 flock, 1 a record lock at 200),
 * says so, and ends as e says: exit without closing anything, or killed. */
static void ends(int fd, int kind, enum ending e, const char *name)
{
    int ready[2], go[2];
    char c;
    pipe(ready);
    pipe(go);
    pid_t pid = fork();
    if (pid == 0) {
        int own = open_rw(0);
        if (kind == 0 ? flock(own, LOCK_EX) != 0 : lk(own, F_SETLK, F_WRLCK, 200, 1) != 0)
            _exit(1);
        write(ready[1], "r", 1);
        if (e == END_EXIT) {
            read(go[0], &c, 1); /* the parent has looked */
            _exit(0);           /* without closing `own` */
        }
        for (;;)
            pause();
    }
    read(ready[0], &c, 1);
    int held = kind == 0 ? !flock_free() : record_free(fd, 200, NULL) == 0;
    if (e == END_EXIT)
        write(go[1], "x", 1);
    else
        kill(pid, e == END_SIGTERM ? SIGTERM : SIGKILL);
    int st = wait_child(pid);
    int want = e == END_EXIT ? 0 : e == END_SIGTERM ? 100 + SIGTERM : 100 + SIGKILL;
    int freed = kind == 0 ? flock_free() : record_free(fd, 200, NULL) == 1;
    check(name, held && st == want && freed,
          !held        ? "not held"
          : st != want ? "wrong status"
                       : "lock left");
    close(ready[0]), close(ready[1]), close(go[0]), close(go[1]);
}

/* A fork child killed while it shares the description that holds a flock lock: the
 * lock is the description's, which the parent still has open. */
static void killed_sharer(void)
{
    int ready[2];
    char c;
    int d = open_rw(0);
    pipe(ready);
    pid_t pid = fork();
    if (pid == 0) {
        if (flock(d, LOCK_EX) != 0)
            _exit(1);
        write(ready[1], "r", 1);
        for (;;)
            pause();
    }
    read(ready[0], &c, 1);
    kill(pid, SIGKILL);
    int st = wait_child(pid);
    check("flock-sigkill-shared-description-kept", st == 100 + SIGKILL && !flock_free(),
          "released with the description still open");
    close(d);
    check("flock-last-close-after-kill-releases", flock_free(), "lock left");
    close(ready[0]), close(ready[1]);
}

/* A child killed by SIGKILL while it waits for a lock (flock, F_SETLKW) that the parent
 * holds: the locks it held are released, it gets nothing afterwards, and the wait leaves
 * no trace (the parent's own blocking request over the child's former lock is granted,
 * not EDEADLK). */
static void killed_waiter(int fd, int kind)
{
    int ready[2];
    char c;
    int mine = open_rw(0);
    pipe(ready);
    if (kind == 0)
        flock(mine, LOCK_EX);
    else
        lk(fd, F_SETLK, F_WRLCK, 300, 1);
    pid_t pid = fork();
    if (pid == 0) {
        int own = open_rw(0);
        if (lk(own, F_SETLK, F_WRLCK, 301, 1) != 0)
            _exit(1);
        write(ready[1], "r", 1);
        if (kind == 0)
            flock(own, LOCK_EX);
        else
            lk(own, F_SETLKW, F_WRLCK, 300, 1);
        _exit(2); /* never: it is killed while it waits */
    }
    read(ready[0], &c, 1);
    nap_ms(300); /* the child waits by now */
    kill(pid, SIGKILL);
    int st = wait_child(pid);
    const char *name = kind == 0 ? "flock-sigkill-while-waiting" : "setlkw-sigkill-while-waiting";
    int got = lk(fd, F_SETLKW, F_WRLCK, 301, 1) == 0;
    if (kind == 0)
        flock(mine, LOCK_UN);
    else
        lk(fd, F_SETLK, F_UNLCK, 300, 1);
    int free_after = kind == 0 ? flock_free() : 1;
    check(name, st == 100 + SIGKILL && got && free_after,
          st != 100 + SIGKILL ? "wrong status"
          : !got              ? "its lock left"
                              : "lock left");
    lk(fd, F_SETLK, F_UNLCK, 0, 0);
    close(mine);
    close(ready[0]), close(ready[1]);
}

/* A child takes a lock and execs the sleeper: kind 0 flock on a description opened with
 * close-on-exec flag `cloexec`; kind 1 a record lock through a descriptor without it,
 * and a close-on-exec duplicate when `cloexec` (the exec closes that: any close of a
 * descriptor of the file releases the process's record locks). */
static void across_exec(int fd, int kind, int cloexec, const char *name)
{
    int ready[2];
    char c, num[16];
    pipe(ready);
    pid_t pid = fork();
    if (pid == 0) {
        int own = open_rw(kind == 0 && cloexec ? O_CLOEXEC : 0);
        if (kind == 0 ? flock(own, LOCK_EX) != 0 : lk(own, F_SETLK, F_WRLCK, 400, 1) != 0)
            _exit(1);
        if (kind == 1 && cloexec)
            fcntl(own, F_DUPFD_CLOEXEC, 0);
        snprintf(num, sizeof num, "%d", ready[1]);
        execl("/proc/self/exe", "locktest", "sleeper", num, (char *)NULL);
        _exit(3);
    }
    read(ready[0], &c, 1); /* the sleeper runs */
    pid_t holder = 0;
    int now_free = kind == 0 ? flock_free() : record_free(fd, 400, &holder) == 1;
    int ok = cloexec ? now_free : !now_free && (kind == 0 || holder == pid);
    kill(pid, SIGKILL);
    int st = wait_child(pid);
    int freed = kind == 0 ? flock_free() : record_free(fd, 400, NULL) == 1;
    check(name, ok && st == 100 + SIGKILL && freed,
          !ok                   ? (cloexec ? "kept across exec" : "lost at exec")
          : st != 100 + SIGKILL ? "wrong status"
                                : "lock left after SIGKILL");
    close(ready[0]), close(ready[1]);
}

/* dup2 and dup3 over a descriptor of the file close it: the process's record locks on
 * the file go, as with close. */
static void dup2_over(int fd, int three)
{
    int ready[2], go[2];
    char c;
    pipe(ready);
    pipe(go);
    pid_t pid = fork();
    if (pid == 0) {
        int own = open_rw(0), other = open("/dev/null", O_RDONLY);
        if (lk(own, F_SETLK, F_WRLCK, 500, 1) != 0)
            _exit(1);
        int d = dup(own);
        write(ready[1], "r", 1);
        read(go[0], &c, 1);
        if (three)
            dup3(other, d, O_CLOEXEC);
        else
            dup2(other, d);
        write(ready[1], "d", 1);
        read(go[0], &c, 1);
        _exit(0);
    }
    read(ready[0], &c, 1);
    int held = record_free(fd, 500, NULL) == 0;
    write(go[1], "g", 1);
    read(ready[0], &c, 1);
    int freed = record_free(fd, 500, NULL) == 1;
    write(go[1], "g", 1);
    int st = wait_child(pid);
    check(three ? "dup3-over-releases-record-locks" : "dup2-over-releases-record-locks",
          held && freed && st == 0,
          !held    ? "not held"
          : !freed ? "lock left"
                   : "child failed");
    close(ready[0]), close(ready[1]), close(go[0]), close(go[1]);
}

static void endings(int fd)
{
    ends(fd, 0, END_EXIT, "flock-exit-releases");
    ends(fd, 0, END_SIGTERM, "flock-sigterm-releases");
    ends(fd, 0, END_SIGKILL, "flock-sigkill-releases");
    ends(fd, 1, END_EXIT, "record-exit-releases");
    ends(fd, 1, END_SIGTERM, "record-sigterm-releases");
    ends(fd, 1, END_SIGKILL, "record-sigkill-releases");
    killed_sharer();
    killed_waiter(fd, 0);
    killed_waiter(fd, 1);
    across_exec(fd, 0, 0, "flock-kept-across-exec");
    across_exec(fd, 0, 1, "flock-cloexec-released-at-exec");
    across_exec(fd, 1, 0, "record-kept-across-exec");
    across_exec(fd, 1, 1, "record-cloexec-duplicate-released-at-exec");
    dup2_over(fd, 0);
    dup2_over(fd, 1);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "sleeper"))
        return sleeper(argc, argv);
    snprintf(path, sizeof path, "/tmp/locktest.%d", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, "0123456789abcdefghij", 20) != 20) {
        check("setup", 0, path);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    record_locks(fd);
    dup_close(fd);
    killed_holder(fd);
    blocking(fd);
    ofd_and_flock();
    errors(fd);
    endings(fd);
    close(fd);
    unlink(path);
    return failed != 0;
}

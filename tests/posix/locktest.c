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

int main(void)
{
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
    close(fd);
    unlink(path);
    return failed != 0;
}

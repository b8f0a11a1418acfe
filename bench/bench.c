/*
 * bench: the POSIX benchmark. One static musl program that runs unchanged on the Linux
 * host, in a Linux guest and in capix, so the figures can be set side by side.
 *
 * Every case is timed in samples: a sample runs the operation B times back to back
 * (B chosen so that a sample lasts at least BENCH_MIN_SAMPLE_NS, 1 for the costly cases)
 * and yields the time of one operation. The median and the 10th and 90th percentiles
 * of the samples are printed, in nanoseconds, as lines
 *
 *     BENCH name ns median p10 p90 samples ops_per_sample
 *
 * (the first six fields as tests/kbench prints them). Lines starting with '#' are
 * comments. The files the cases use live in the directory named on the command line
 * (a tmpfs such as /dev/shm on Linux).
 *
 * The program also serves as its own trivial child: `bench --exit` returns at once,
 * and `bench --exec-chain ...` is one link of the execve chain (see bench_execve).
 * `bench --linux-init` is for a Linux guest whose initramfs holds it as /init.
 *
 * A case that fails ends the run, except with -k (for systems that implement only part
 * of POSIX so far): then it prints `SKIP name: reason` and the run goes on.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define BENCH_MIN_SAMPLE_NS 50000.0 /* a sample of cheap operations lasts >= 50 us */
#define BENCH_MAX_SAMPLES 1001
#define BENCH_MIN_SAMPLES 11
#define BENCH_FILE_SIZE 65536

struct bench_ctx {
    char dir[1024];
    char file[1100];  /* DIR/bench.dat, BENCH_FILE_SIZE bytes */
    const char *self; /* path of this program, for spawn and exec */
    int fd;           /* bench.dat open read-write */
    int to_child[2];  /* pipe round trip */
    int from_child[2];
    pid_t child;
    char buf[4096];
    char *touched; /* fork_Nm: memory written before the forks */
    size_t touched_size;
    int sock;           /* tcp_*, unix_*: this end of a connection to the child */
    int big_fd;         /* rand_read_4k: DIR/big.dat open read-only */
    int root_fd;        /* read_4k_root: BENCH_BASH open read-only */
    unsigned long rand; /* rand_read_4k: the offsets' generator */
};

struct bench_case {
    const char *name;
    const char *what;
    int files; /* uses DIR/bench.dat */
    int (*setup)(struct bench_ctx *c);
    int (*op)(struct bench_ctx *c); /* one operation; 0 or -1 with errno */
    void (*teardown)(struct bench_ctx *c);
    int costly; /* one operation per sample */
};

static double bench_budget_s = 0.5; /* time per case */
static int bench_keep_going;        /* -k */
static jmp_buf bench_skip;          /* where a failing case goes with -k */
static const char *bench_current;   /* the case running */
static volatile sig_atomic_t bench_signals;

static uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Appended to every case's name in the BENCH and SKIP lines (the guest's vfat pass:
 * ".fat"). */
static const char *bench_suffix = "";

static void bench_fail(const char *what)
{
    if (bench_keep_going && bench_current) {
        printf("SKIP %s%s: %s: %s\n", bench_current, bench_suffix, what, strerror(errno));
        fflush(stdout);
        longjmp(bench_skip, 1);
    }
    fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* ---- the cases ---- */

static int bench_op_getppid(struct bench_ctx *c)
{
    (void)c;
    getppid(); /* cannot fail */
    return 0;
}

static int bench_op_clock(struct bench_ctx *c)
{
    struct timespec ts;
    (void)c;
    return clock_gettime(CLOCK_MONOTONIC, &ts);
}

static int bench_op_open_close(struct bench_ctx *c)
{
    int fd = open(c->file, O_RDONLY);
    if (fd < 0)
        return -1;
    return close(fd);
}

static int bench_op_stat(struct bench_ctx *c)
{
    struct stat st;
    return stat(c->file, &st);
}

static int bench_op_read(struct bench_ctx *c)
{
    return pread(c->fd, c->buf, sizeof c->buf, 0) == (ssize_t)sizeof c->buf ? 0 : -1;
}

static int bench_op_write(struct bench_ctx *c)
{
    return pwrite(c->fd, c->buf, sizeof c->buf, 0) == (ssize_t)sizeof c->buf ? 0 : -1;
}

/* Sequential I/O: BENCH_SEQ_SIZE bytes in 64 KiB writes (then reads) of DIR/seq.dat.
 * 16 MiB, not 64: a capix process's File_system session holds at most 32 MiB of files
 * by default (docs/sessions.md). */
#define BENCH_SEQ_SIZE (16L << 20)
#define BENCH_SEQ_CHUNK (64 << 10)
static char bench_seq_buf[BENCH_SEQ_CHUNK];

static int bench_seq_path(struct bench_ctx *c, char *path, size_t size)
{
    return snprintf(path, size, "%s/seq.dat", c->dir) < (int)size ? 0 : -1;
}

/* path made anew with size bytes in BENCH_SEQ_CHUNK writes (then an fsync if asked). */
static int bench_write_file(const char *path, long size, int sync)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    for (long done = 0; done < size; done += BENCH_SEQ_CHUNK)
        if (write(fd, bench_seq_buf, BENCH_SEQ_CHUNK) != BENCH_SEQ_CHUNK) {
            close(fd);
            return -1;
        }
    if (sync && fsync(fd) != 0) {
        close(fd);
        return -1;
    }
    return close(fd);
}

/* path read whole in BENCH_SEQ_CHUNK reads; it must hold size bytes. */
static int bench_read_file(const char *path, long size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    long done = 0;
    ssize_t n;
    while ((n = read(fd, bench_seq_buf, BENCH_SEQ_CHUNK)) > 0)
        done += n;
    close(fd);
    if (n < 0 || done != size) {
        errno = n < 0 ? errno : EIO;
        return -1;
    }
    return 0;
}

static int bench_op_seq_write(struct bench_ctx *c)
{
    char path[1100];
    return bench_seq_path(c, path, sizeof path) ? -1 : bench_write_file(path, BENCH_SEQ_SIZE, 0);
}

static int bench_op_seq_read(struct bench_ctx *c)
{
    char path[1100];
    return bench_seq_path(c, path, sizeof path) ? -1 : bench_read_file(path, BENCH_SEQ_SIZE);
}

static void bench_seq_teardown(struct bench_ctx *c)
{
    char path[1100];
    if (!bench_seq_path(c, path, sizeof path))
        unlink(path);
}

/* The storage cases (issue 17's rows, on FAT and ram): 64 MiB in 64 KiB writes then an
 * fsync, read back whole, 4 KiB reads at random places of it, and 1,000 small files
 * made and removed. On capix's ram_fs the 64 MiB file is over a session's default quota
 * (ENOSPC: a SKIP line with -k); FAT charges no quota for file data. */
#define BENCH_BIG_SIZE (64L << 20)

static int bench_big_path(struct bench_ctx *c, char *path, size_t size)
{
    return snprintf(path, size, "%s/big.dat", c->dir) < (int)size ? 0 : -1;
}

static int bench_op_big_write(struct bench_ctx *c)
{
    char path[1100];
    return bench_big_path(c, path, sizeof path) ? -1 : bench_write_file(path, BENCH_BIG_SIZE, 1);
}

static int bench_op_big_read(struct bench_ctx *c)
{
    char path[1100];
    return bench_big_path(c, path, sizeof path) ? -1 : bench_read_file(path, BENCH_BIG_SIZE);
}

static void bench_big_teardown(struct bench_ctx *c)
{
    char path[1100];
    if (c->big_fd > 0)
        close(c->big_fd);
    c->big_fd = 0;
    if (!bench_big_path(c, path, sizeof path))
        unlink(path);
}

static int bench_rand_setup(struct bench_ctx *c)
{
    char path[1100];
    if (bench_op_big_write(c) || bench_big_path(c, path, sizeof path))
        return -1;
    c->big_fd = open(path, O_RDONLY);
    c->rand = 12345;
    if (c->big_fd < 0)
        return -1;
    /* read once, as a warm cache: Linux's page cache holds the file from its write; a
     * system whose reads copy from another cache (capix's views of the fat server's
     * copy of the file) makes it here, not in the first timed samples */
    for (off_t off = 0; off < BENCH_BIG_SIZE; off += (off_t)sizeof c->buf)
        if (pread(c->big_fd, c->buf, sizeof c->buf, off) != (ssize_t)sizeof c->buf)
            return -1;
    return 0;
}

static int bench_op_rand_read(struct bench_ctx *c)
{
    c->rand = c->rand * 6364136223846793005ul + 1442695040888963407ul;
    off_t off = (off_t)((c->rand >> 33) % (BENCH_BIG_SIZE / 4096)) * 4096;
    return pread(c->big_fd, c->buf, sizeof c->buf, off) == (ssize_t)sizeof c->buf ? 0 : -1;
}

#define BENCH_NFILES 1000

static int bench_files_path(struct bench_ctx *c, int i, char *path, size_t size)
{
    int n = i < 0 ? snprintf(path, size, "%s/files", c->dir)
                  : snprintf(path, size, "%s/files/small-file-%04d.txt", c->dir, i);
    return n < (int)size ? 0 : -1;
}

static int bench_files_setup(struct bench_ctx *c)
{
    char path[1100];
    return bench_files_path(c, -1, path, sizeof path) ? -1 : mkdir(path, 0755);
}

static int bench_op_files(struct bench_ctx *c)
{
    char path[1100];
    for (int i = 0; i < BENCH_NFILES; i++) {
        int fd = bench_files_path(c, i, path, sizeof path)
                     ? -1
                     : open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0 || write(fd, c->buf, 100) != 100) {
            if (fd >= 0)
                close(fd);
            return -1;
        }
        if (close(fd) != 0)
            return -1;
    }
    for (int i = 0; i < BENCH_NFILES; i++)
        if (bench_files_path(c, i, path, sizeof path) || unlink(path) != 0)
            return -1;
    return 0;
}

static void bench_files_teardown(struct bench_ctx *c)
{
    char path[1100];
    for (int i = 0; i < BENCH_NFILES; i++)
        if (!bench_files_path(c, i, path, sizeof path))
            unlink(path);
    if (!bench_files_path(c, -1, path, sizeof path))
        rmdir(path);
}

static int bench_wait(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        errno = ECHILD;
        return -1;
    }
    return 0;
}

static int bench_op_fork(struct bench_ctx *c)
{
    (void)c;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0)
        _exit(0);
    return bench_wait(pid);
}

/* fork_1m, fork_16m, fork_64m: the process first writes N MiB of its own, so a fork has
 * that much more to copy (or, copy-on-write, to share): the cost should not grow. */
static int bench_touch(struct bench_ctx *c, size_t mib)
{
    c->touched_size = mib << 20;
    c->touched = malloc(c->touched_size);
    if (!c->touched)
        return -1;
    memset(c->touched, 0x5a, c->touched_size);
    return 0;
}
static int bench_touch_1m(struct bench_ctx *c)
{
    return bench_touch(c, 1);
}
static int bench_touch_16m(struct bench_ctx *c)
{
    return bench_touch(c, 16);
}
static int bench_touch_64m(struct bench_ctx *c)
{
    return bench_touch(c, 64);
}
static void bench_untouch(struct bench_ctx *c)
{
    free(c->touched);
    c->touched = NULL;
}

static int bench_op_spawn(struct bench_ctx *c)
{
    pid_t pid;
    char *argv[] = {(char *)c->self, "--exit", NULL};
    int e = posix_spawn(&pid, c->self, NULL, NULL, argv, environ);
    if (e) {
        errno = e;
        return -1;
    }
    return bench_wait(pid);
}

/* A large program on the root file system (not in DIR): capix's root and the Linux
 * guest's initramfs hold the same static bash (1.3 MB, from ports/bash), the Linux host
 * its own. read_4k_root reads it (the root's server, or the guest's rootfs), spawn_bash
 * runs it. */
#define BENCH_BASH "/bin/bash"

static int bench_root_setup(struct bench_ctx *c)
{
    c->root_fd = open(BENCH_BASH, O_RDONLY);
    return c->root_fd < 0 ? -1 : 0;
}

static int bench_op_root_read(struct bench_ctx *c)
{
    return pread(c->root_fd, c->buf, sizeof c->buf, 0) == (ssize_t)sizeof c->buf ? 0 : -1;
}

static void bench_root_teardown(struct bench_ctx *c)
{
    close(c->root_fd);
}

static int bench_op_spawn_bash(struct bench_ctx *c)
{
    (void)c;
    pid_t pid;
    char *argv[] = {"bash", "-c", ":", NULL};
    int e = posix_spawn(&pid, BENCH_BASH, NULL, NULL, argv, environ);
    if (e) {
        errno = e;
        return -1;
    }
    return bench_wait(pid);
}

static int bench_op_fork_exec(struct bench_ctx *c)
{
    char *argv[] = {(char *)c->self, "--exit", NULL};
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execve(c->self, argv, environ);
        _exit(127);
    }
    return bench_wait(pid);
}

static int bench_pipe_setup(struct bench_ctx *c)
{
    if (pipe(c->to_child) != 0 || pipe(c->from_child) != 0)
        return -1;
    c->child = fork();
    if (c->child < 0)
        return -1;
    if (c->child == 0) {
        char b;
        close(c->to_child[1]);
        close(c->from_child[0]);
        while (read(c->to_child[0], &b, 1) == 1)
            if (write(c->from_child[1], &b, 1) != 1)
                break;
        _exit(0);
    }
    close(c->to_child[0]);
    close(c->from_child[1]);
    return 0;
}

static int bench_op_pipe(struct bench_ctx *c)
{
    char b = 'x';
    if (write(c->to_child[1], &b, 1) != 1 || read(c->from_child[0], &b, 1) != 1)
        return -1;
    return 0;
}

static void bench_pipe_teardown(struct bench_ctx *c)
{
    close(c->to_child[1]);
    close(c->from_child[0]);
    bench_wait(c->child);
}

/* ---- sockets: a connection to a child, over TCP on the loopback or AF_UNIX ---- */

#define BENCH_STREAM_CHUNK (128u * 1024u)

/* A connected pair: TCP over 127.0.0.1 (a listener of this process, connected to
 * itself, TCP_NODELAY on both ends) or an AF_UNIX socketpair. */
static int bench_sock_pair(int tcp, int s[2])
{
    if (!tcp)
        return socketpair(AF_UNIX, SOCK_STREAM, 0, s);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);
    if (l < 0)
        return -1;
    if (bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 1) != 0 ||
        getsockname(l, (struct sockaddr *)&a, &len) != 0 ||
        (s[1] = socket(AF_INET, SOCK_STREAM, 0)) < 0) {
        close(l);
        return -1;
    }
    if (connect(s[1], (struct sockaddr *)&a, sizeof a) != 0 || (s[0] = accept(l, NULL, NULL)) < 0) {
        close(s[1]);
        close(l);
        return -1;
    }
    close(l);
    setsockopt(s[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(s[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return 0;
}

/* The child: echoes each byte (echo) or reads everything to the end (sink). */
static int bench_sock_setup(struct bench_ctx *c, int tcp, int echo)
{
    int s[2];
    if (bench_sock_pair(tcp, s) != 0)
        return -1;
    c->child = fork();
    if (c->child < 0)
        return -1;
    if (c->child == 0) {
        static char buf[BENCH_STREAM_CHUNK];
        close(s[0]);
        if (echo) {
            char b;
            while (read(s[1], &b, 1) == 1)
                if (write(s[1], &b, 1) != 1)
                    break;
        } else {
            while (read(s[1], buf, sizeof buf) > 0)
                ;
        }
        _exit(0);
    }
    close(s[1]);
    c->sock = s[0];
    return 0;
}

static int bench_tcp_echo_setup(struct bench_ctx *c)
{
    return bench_sock_setup(c, 1, 1);
}
static int bench_tcp_sink_setup(struct bench_ctx *c)
{
    return bench_sock_setup(c, 1, 0);
}
static int bench_unix_echo_setup(struct bench_ctx *c)
{
    return bench_sock_setup(c, 0, 1);
}
static int bench_unix_sink_setup(struct bench_ctx *c)
{
    return bench_sock_setup(c, 0, 0);
}

static int bench_op_sock_roundtrip(struct bench_ctx *c)
{
    char b = 'x';
    if (write(c->sock, &b, 1) != 1 || read(c->sock, &b, 1) != 1)
        return -1;
    return 0;
}

static int bench_op_sock_stream(struct bench_ctx *c)
{
    static char chunk[BENCH_STREAM_CHUNK];
    for (size_t done = 0; done < sizeof chunk;) {
        ssize_t w = write(c->sock, chunk + done, sizeof chunk - done);
        if (w <= 0)
            return -1;
        done += (size_t)w;
    }
    return 0;
}

static void bench_sock_teardown(struct bench_ctx *c)
{
    close(c->sock);
    bench_wait(c->child);
}

static void bench_on_signal(int sig)
{
    (void)sig;
    bench_signals++;
}

static int bench_signal_setup(struct bench_ctx *c)
{
    struct sigaction sa;
    (void)c;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = bench_on_signal;
    sigemptyset(&sa.sa_mask);
    return sigaction(SIGUSR1, &sa, NULL);
}

static int bench_op_signal(struct bench_ctx *c)
{
    (void)c;
    sig_atomic_t before = bench_signals;
    if (kill(getpid(), SIGUSR1) != 0)
        return -1;
    if (bench_signals == before) {
        errno = EINTR; /* not delivered before kill returned */
        return -1;
    }
    return 0;
}

static void bench_signal_teardown(struct bench_ctx *c)
{
    (void)c;
    signal(SIGUSR1, SIG_DFL);
}

static const struct bench_case bench_cases[] = {
    {"null_call", "getppid()", 0, NULL, bench_op_getppid, NULL, 0},
    {"clock_gettime", "clock_gettime(CLOCK_MONOTONIC) (vDSO on Linux)", 0, NULL, bench_op_clock,
     NULL, 0},
    /* the socket cases early: a long run's process has less of its quota left later
     * for the Net session's donation (ENOMEM in capix after the fork and file cases) */
    {"tcp_roundtrip", "1 byte to a child process and back over TCP on 127.0.0.1", 0,
     bench_tcp_echo_setup, bench_op_sock_roundtrip, bench_sock_teardown, 0},
    {"tcp_stream_128k", "128 KiB written to a child process over TCP on 127.0.0.1", 0,
     bench_tcp_sink_setup, bench_op_sock_stream, bench_sock_teardown, 1},
    {"open_close", "open(O_RDONLY) + close of DIR/bench.dat", 1, NULL, bench_op_open_close, NULL,
     0},
    {"stat", "stat(DIR/bench.dat)", 1, NULL, bench_op_stat, NULL, 0},
    {"read_4k", "pread of 4 KiB at offset 0", 1, NULL, bench_op_read, NULL, 0},
    {"read_4k_root", "pread of 4 KiB at offset 0 of " BENCH_BASH " (the root file system)", 0,
     bench_root_setup, bench_op_root_read, bench_root_teardown, 0},
    {"write_4k", "pwrite of 4 KiB at offset 0", 1, NULL, bench_op_write, NULL, 0},
    {"seq_write_16m", "16 MiB to a new file in 64 KiB writes, with open and close", 1, NULL,
     bench_op_seq_write, bench_seq_teardown, 1},
    {"seq_read_16m", "that file read whole in 64 KiB reads, with open and close", 1,
     bench_op_seq_write, bench_op_seq_read, bench_seq_teardown, 1},
    {"seq_write_64m", "64 MiB to a new file in 64 KiB writes, fsync, with open and close", 1, NULL,
     bench_op_big_write, bench_big_teardown, 1},
    {"seq_read_64m", "that file read whole in 64 KiB reads, with open and close", 1,
     bench_op_big_write, bench_op_big_read, bench_big_teardown, 1},
    {"rand_read_4k", "pread of 4 KiB at a random 4 KiB place of a 64 MiB file", 1, bench_rand_setup,
     bench_op_rand_read, bench_big_teardown, 0},
    {"files_1000", "1,000 files of 100 bytes made (open, write, close), then unlinked", 1,
     bench_files_setup, bench_op_files, bench_files_teardown, 1},
    {"fork_wait", "fork, child _exit(0), waitpid", 0, NULL, bench_op_fork, NULL, 1},
    {"fork_1m", "fork_wait with 1 MiB of the process written before", 0, bench_touch_1m,
     bench_op_fork, bench_untouch, 1},
    {"fork_16m", "fork_wait with 16 MiB of the process written before", 0, bench_touch_16m,
     bench_op_fork, bench_untouch, 1},
    {"fork_64m", "fork_wait with 64 MiB of the process written before", 0, bench_touch_64m,
     bench_op_fork, bench_untouch, 1},
    {"spawn_wait", "posix_spawn of this program (--exit), waitpid", 0, NULL, bench_op_spawn, NULL,
     1},
    {"fork_exec_wait", "fork, execve of this program (--exit), waitpid", 0, NULL,
     bench_op_fork_exec, NULL, 1},
    {"execve", "execve of this program, from the call to the new main()", 0, NULL, NULL, NULL, 1},
    {"spawn_bash", "posix_spawn of " BENCH_BASH " -c :, waitpid", 0, NULL, bench_op_spawn_bash,
     NULL, 1},
    {"pipe_roundtrip", "1 byte to a child process and back over two pipes", 0, bench_pipe_setup,
     bench_op_pipe, bench_pipe_teardown, 0},
    {"signal_self", "kill(getpid(), SIGUSR1) with a handler, delivered", 0, bench_signal_setup,
     bench_op_signal, bench_signal_teardown, 0},
    /* last: in capix under ICOUNT=1 unix_roundtrip once hung after the tcp_ cases (a lost
     * wake-up, fixed: docs/unix-sockets.md); they stay here so the rows keep their order */
    {"unix_roundtrip", "1 byte to a child process and back over an AF_UNIX socketpair", 0,
     bench_unix_echo_setup, bench_op_sock_roundtrip, bench_sock_teardown, 0},
    {"unix_stream_128k", "128 KiB written to a child process over an AF_UNIX socketpair", 0,
     bench_unix_sink_setup, bench_op_sock_stream, bench_sock_teardown, 1},
};
#define BENCH_NCASES (sizeof bench_cases / sizeof bench_cases[0])

/* ---- statistics ---- */

static int bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double bench_pct(const double *sorted, int n, int pct)
{
    return sorted[(n - 1) * pct / 100];
}

static void bench_report(const char *name, double *s, int n, long per_sample)
{
    qsort(s, (size_t)n, sizeof *s, bench_cmp);
    printf("BENCH %s%s ns %.1f %.1f %.1f %d %ld\n", name, bench_suffix, bench_pct(s, n, 50),
           bench_pct(s, n, 10), bench_pct(s, n, 90), n, per_sample);
    fflush(stdout);
}

/* ---- the sampling loop ---- */

static double bench_batch(const struct bench_case *bc, struct bench_ctx *c, long b)
{
    uint64_t t0 = bench_now_ns();
    for (long i = 0; i < b; i++)
        if (bc->op(c) != 0)
            bench_fail(bc->name);
    return (double)(bench_now_ns() - t0);
}

static void bench_run(const struct bench_case *bc, struct bench_ctx *c)
{
    static double samples[BENCH_MAX_SAMPLES];
    if (bc->setup && bc->setup(c) != 0)
        bench_fail(bc->name);
    long b = 1;
    bench_batch(bc, c, 1); /* warm-up: first touches, a child starting */
    double t = bench_batch(bc, c, 1);
    if (!bc->costly) {
        while (t < BENCH_MIN_SAMPLE_NS && b < (1L << 24)) {
            b *= 2;
            t = bench_batch(bc, c, b);
        }
    }
    double per_sample = t > 1 ? t : 1;
    long n = (long)(bench_budget_s * 1e9 / per_sample);
    if (n > BENCH_MAX_SAMPLES)
        n = BENCH_MAX_SAMPLES;
    if (n < BENCH_MIN_SAMPLES)
        n = BENCH_MIN_SAMPLES;
    for (long i = 0; i < n; i++)
        samples[i] = bench_batch(bc, c, b) / (double)b;
    if (bc->teardown)
        bc->teardown(c);
    bench_report(bc->name, samples, (int)n, b);
}

/*
 * execve: a chain of processes, each the previous one after execve. Each link notes the
 * time just before its execve in argv; the next one, first thing in main(), sends the
 * difference to the parent over a pipe. The first link is a forked child.
 */
static void bench_execve(struct bench_ctx *c)
{
    static double samples[BENCH_MAX_SAMPLES];
    int p[2];
    /* A first measured link to size the chain. */
    long n = 3;
    for (int round = 0; round < 2; round++) {
        if (pipe(p) != 0)
            bench_fail("execve: pipe");
        pid_t pid = fork();
        if (pid < 0)
            bench_fail("execve: fork");
        if (pid == 0) {
            char fdarg[16], left[24], t0[32];
            close(p[0]);
            snprintf(fdarg, sizeof fdarg, "%d", p[1]);
            snprintf(left, sizeof left, "%ld", n);
            snprintf(t0, sizeof t0, "%" PRIu64, bench_now_ns());
            char *argv[] = {(char *)c->self, "--exec-chain", fdarg, left, t0, NULL};
            execve(c->self, argv, environ);
            _exit(127);
        }
        close(p[1]);
        long got = 0;
        double ns;
        while (got < n && read(p[0], &ns, sizeof ns) == (ssize_t)sizeof ns)
            samples[got++] = ns;
        close(p[0]);
        if (bench_wait(pid) != 0 || got != n)
            bench_fail("execve: chain broke");
        if (round == 0) {
            qsort(samples, (size_t)n, sizeof *samples, bench_cmp);
            double each = samples[n / 2] > 1 ? samples[n / 2] : 1;
            n = (long)(bench_budget_s * 1e9 / each);
            if (n > BENCH_MAX_SAMPLES)
                n = BENCH_MAX_SAMPLES;
            if (n < BENCH_MIN_SAMPLES)
                n = BENCH_MIN_SAMPLES;
        }
    }
    bench_report("execve", samples, (int)n, 1);
}

static int bench_exec_link(char **argv)
{
    uint64_t now = bench_now_ns();
    int fd = atoi(argv[2]);
    long left = atol(argv[3]);
    double ns = (double)(now - strtoull(argv[4], NULL, 10));
    if (write(fd, &ns, sizeof ns) != (ssize_t)sizeof ns)
        return 1;
    if (left <= 1)
        return 0;
    char l[24], t0[32];
    snprintf(l, sizeof l, "%ld", left - 1);
    snprintf(t0, sizeof t0, "%" PRIu64, bench_now_ns());
    char *next[] = {argv[0], "--exec-chain", argv[2], l, t0, NULL};
    execve(argv[0], next, environ);
    return 127;
}

/* ---- setup and main ---- */

/* Makes DIR/bench.dat; returns 0, or -1 with errno (with -k: the file cases skip). */
static int bench_prepare(struct bench_ctx *c, const char *dir)
{
    snprintf(c->dir, sizeof c->dir, "%s", dir);
    snprintf(c->file, sizeof c->file, "%s/bench.dat", c->dir);
    memset(c->buf, 'b', sizeof c->buf);
    c->fd = open(c->file, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (c->fd < 0)
        goto fail;
    for (int i = 0; i < BENCH_FILE_SIZE / (int)sizeof c->buf; i++)
        if (write(c->fd, c->buf, sizeof c->buf) != (ssize_t)sizeof c->buf)
            goto fail;
    return 0;
fail:
    if (!bench_keep_going)
        bench_fail(c->file);
    return -1;
}

static int bench_selected(const char *only, const char *name)
{
    if (!only)
        return 1;
    size_t n = strlen(name);
    for (const char *p = only; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return 1;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

/*
 * All processes on one CPU (children inherit it): a pipe round trip or a wait then
 * measures the system's own path, not the cost of waking another CPU, which on a
 * virtual machine host varies tenfold from run to run. A capix guest has one CPU.
 */
static void bench_pin(char *what, size_t size)
{
    cpu_set_t set;
    int cpu = sched_getcpu();
    CPU_ZERO(&set);
    if (cpu >= 0)
        CPU_SET(cpu, &set);
    if (cpu < 0 || sched_setaffinity(0, sizeof set, &set) != 0)
        snprintf(what, size, "not pinned (%s)", strerror(errno));
    else
        snprintf(what, size, "pinned to CPU %d", cpu);
}

static int bench_all(const char *self, const char *dir, const char *only, int pin)
{
    static struct bench_ctx c;
    struct utsname u;
    char pinned[128] = "not pinned (-a)", nofiles[256] = "";
    if (bench_prepare(&c, dir) != 0)
        snprintf(nofiles, sizeof nofiles, "%.200s: %s", c.file, strerror(errno));
    c.self = self;
    if (pin)
        bench_pin(pinned, sizeof pinned);
    if (uname(&u) == 0)
        printf("# bench 1 on %s %s %s, files in %s, %.2f s per case, %s\n", u.sysname, u.release,
               u.machine, dir, bench_budget_s, pinned);
    for (size_t i = 0; i < BENCH_NCASES; i++)
        if (bench_selected(only, bench_cases[i].name))
            printf("# case %s: %s\n", bench_cases[i].name, bench_cases[i].what);
    fflush(stdout);
    for (size_t i = 0; i < BENCH_NCASES; i++) {
        const struct bench_case *bc = &bench_cases[i];
        if (!bench_selected(only, bc->name))
            continue;
        if (bc->files && nofiles[0]) {
            printf("SKIP %s%s: %s\n", bc->name, bench_suffix, nofiles);
            continue;
        }
        bench_current = bc->name;
        if (setjmp(bench_skip) == 0) {
            if (bc->op)
                bench_run(bc, &c);
            else
                bench_execve(&c);
        } else if (c.touched) {
            bench_untouch(&c); /* a skipped fork_Nm gives its memory back */
        }
        bench_current = NULL;
        fflush(stdout);
    }
    if (!nofiles[0]) {
        close(c.fd);
        unlink(c.file);
    }
    return 0;
}

/* The file cases, run once more on the guest's vfat disk (rows NAME.fat). */
#define BENCH_FILE_CASES                                                                           \
    "open_close,stat,read_4k,write_4k,seq_write_16m,seq_read_16m,seq_write_64m,seq_read_64m,"      \
    "rand_read_4k,files_1000"

/* The benchmark in a child (so that a failing case does not end init and panic the
 * kernel); its exit status. */
static int bench_child(const char *self, const char *dir, const char *only, int pin)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(bench_all(self, dir, only, pin));
    int st = 0;
    while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return pid > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The initramfs's /modules (the virtio block driver, vfat and its code pages, put there
 * by bench/guest-image.py), loaded in rounds until none more loads (no modprobe: a module
 * whose dependencies are not in yet fails and is tried again); the disk as /dev/vda,
 * mounted on /fat. 0, or -1 with a '#' line saying why. */
static int bench_mount_fat(void)
{
    char names[32][64];
    int n = 0;
    FILE *order = fopen("/modules/order", "r");
    if (!order)
        return -1; /* no modules: a guest without the disk */
    while (n < 32 && fgets(names[n], sizeof names[n], order)) {
        names[n][strcspn(names[n], "\n")] = 0;
        if (names[n][0])
            n++;
    }
    fclose(order);
    int loaded[32] = {0}, left = n;
    for (int round = 0; round < n && left; round++) {
        for (int i = 0; i < n; i++) {
            char path[96]; /* a name of at most 63 bytes */
            snprintf(path, sizeof path, "/modules/%.63s", names[i]);
            int fd = loaded[i] ? -1 : open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                continue;
            if (syscall(SYS_finit_module, fd, "", 0) == 0 || errno == EEXIST)
                loaded[i] = 1, left--;
            close(fd);
        }
    }
    if (left) {
        printf("# bench: %d of %d modules did not load; no vfat rows\n", left, n);
        return -1;
    }
    mkdir("/fat", 0755);
    for (int i = 0; i < 50; i++) { /* the disk's node appears once the driver probed it */
        if (mount("/dev/vda", "/fat", "vfat", 0, NULL) == 0)
            return 0;
        usleep(100000);
    }
    printf("# bench: vfat on /dev/vda: %s; no vfat rows\n", strerror(errno));
    return -1;
}

/* The guest's loopback interface up (a fresh kernel has it down), for the tcp_ cases. */
static void bench_loopback_up(void)
{
    struct ifreq ifr;
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) != 0 ||
        (ifr.ifr_flags |= IFF_UP, ioctl(s, SIOCSIFFLAGS, &ifr) != 0))
        printf("# bench: loopback up: %s (the tcp_ cases will fail)\n", strerror(errno));
    if (s >= 0)
        close(s);
}

/*
 * As /init of a Linux guest: a console, a tmpfs, the loopback, the benchmark, then its file cases
 * on the vfat disk when the initramfs brings the modules, power off.
 */
static int bench_linux_init(const char *self, const char *only, int pin)
{
    mkdir("/dev", 0755);
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    int fd = open("/dev/console", O_RDWR);
    if (fd >= 0) {
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
    }
    mkdir("/tmp", 01777);
    if (mount("tmpfs", "/tmp", "tmpfs", 0, NULL) != 0)
        printf("# bench: tmpfs on /tmp: %s (files stay in the initramfs)\n", strerror(errno));
    bench_loopback_up();
    int status = bench_child(self, "/tmp", only, pin);
    if (bench_mount_fat() == 0) {
        bench_suffix = ".fat";
        bench_child(self, "/fat", BENCH_FILE_CASES, pin);
        bench_suffix = "";
        umount("/fat");
    }
    printf("# bench: done, status %d\n", status);
    fflush(stdout);
    sync();
    reboot(RB_POWER_OFF);
    return 0;
}

static void bench_usage(void)
{
    fputs("usage: posixbench [-q] [-a] [-k] [-t SECONDS] [-c CASE,...] DIR\n"
          "  runs every case (or those named), files in DIR; -t is the time per case\n"
          "  (default 0.5), -q is -t 0.1; -a leaves the processes on all CPUs; -k skips\n"
          "  a case that fails (SKIP line) instead of stopping\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--exit") == 0)
        return 0;
    if (argc == 5 && strcmp(argv[1], "--exec-chain") == 0)
        return bench_exec_link(argv);

    const char *only = NULL, *dir = NULL;
    int linux_init = 0, pin = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-q") == 0)
            bench_budget_s = 0.1;
        else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
            bench_budget_s = atof(argv[++i]);
        else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
            only = argv[++i];
        else if (strcmp(argv[i], "-a") == 0)
            pin = 0;
        else if (strcmp(argv[i], "-k") == 0)
            bench_keep_going = 1;
        else if (strcmp(argv[i], "--linux-init") == 0)
            linux_init = 1;
        else if (argv[i][0] == '-' || dir)
            bench_usage();
        else
            dir = argv[i];
    }
    if (bench_budget_s <= 0)
        bench_usage();
    /* spawn and exec need a path: argv[0] if it has a slash, else /proc/self/exe */
    const char *self = strchr(argv[0], '/') ? argv[0] : "/proc/self/exe";
    if (linux_init)
        return bench_linux_init(self, only, pin);
    if (!dir)
        bench_usage();
    return bench_all(self, dir, only, pin);
}

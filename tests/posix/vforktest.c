/*
 * vfork and posix_spawn (musl's clone(CLONE_VM|CLONE_VFORK)): the child runs in the
 * parent's memory until it execs or exits, but with its own pid, descriptor table,
 * working directory, umask, signal mask and dispositions; it may fork. Same output on the Linux
 * host and in capix (tests/posix/vfork-test.sh). Usage: vforktest DIR; the program runs itself as
 * `vforktest --report FD...` to show what an exec'd child holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "ptest.h"

extern char **environ;

static int is_open(int fd)
{
    return fcntl(fd, F_GETFD) >= 0;
}

/* The exec'd child: which of the given descriptors are open, its group and mask. */
static int report(int argc, char **argv)
{
    printf("report:");
    for (int i = 2; i < argc; i++) {
        int fd = atoi(argv[i]);
        printf(" %d=%s", fd, is_open(fd) ? "open" : "closed");
    }
    sigset_t m;
    sigprocmask(SIG_SETMASK, NULL, &m);
    printf(" own_group=%s usr1_blocked=%s\n", getpgrp() == getpid() ? "yes" : "no",
           sigismember(&m, SIGUSR1) ? "yes" : "no");
    return 0;
}

static char *read_file(const char *path, char *buf, size_t size)
{
    buf[0] = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return buf;
    ssize_t n = read(fd, buf, size - 1);
    buf[n > 0 ? n : 0] = 0;
    close(fd);
    return buf;
}

static volatile pid_t seen_pid, seen_ppid;
static volatile int seen_errno, seen_nfd = -1;
static volatile int usr1_count;

static void on_usr1(int sig)
{
    (void)sig;
    usr1_count++;
}

/* Another thread of the parent: the descriptor stays open for it while a vfork child
 * closes its own copy. */
static volatile int watch_fd = -1, watch_stop, watch_closed, watch_looks;
static void *watcher(void *arg)
{
    (void)arg;
    while (!watch_stop) {
        if (!is_open(watch_fd))
            watch_closed = 1;
        watch_looks++;
        struct timespec t = {0, 2000000};
        nanosleep(&t, NULL);
    }
    return NULL;
}

static void same_file(const char *name, int fd, const struct stat *before)
{
    struct stat now;
    check(name,
          fstat(fd, &now) == 0 && now.st_ino == before->st_ino && now.st_dev == before->st_dev,
          "fd %ld changed%ld", fd, 0);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--report"))
        return report(argc, argv);
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    char *self = argv[0];
    char path[256], buf[256], cwd_before[256], cwd_after[256];
    pid_t me = getpid();
    int st = -1;
    struct stat out_before;
    fstat(1, &out_before);

    /* the child's own pid; _exit(7) reaches the parent's waitpid */
    pid_t p = vfork();
    if (p == 0) {
        seen_pid = getpid();
        seen_ppid = getppid();
        _exit(7);
    }
    check("vfork_child_pid_is_returned", p > 0 && p != me && seen_pid == p,
          "child %ld returned %ld", seen_pid, p);
    check("vfork_child_ppid_is_parent", seen_ppid == me, "ppid %ld me %ld", seen_ppid, me);
    check("vfork_waitpid_7", waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 7,
          "status %#lx%ld", st, 0);

    /* dup2, close and open in the child, then exec: our table is unchanged */
    snprintf(path, sizeof(path), "%s/vfork-fds.out", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    p = vfork();
    if (p == 0) {
        int nfd = open("/dev/null", O_RDONLY);
        seen_nfd = nfd;
        dup2(fd, 9);
        dup2(fd, 1);
        close(fd);
        char fds[3][8];
        snprintf(fds[0], 8, "%d", fd), snprintf(fds[1], 8, "%d", 9), snprintf(fds[2], 8, "%d", nfd);
        char *av[] = {self, "--report", fds[0], fds[1], fds[2], NULL};
        execve(self, av, environ);
        _exit(127);
    }
    waitpid(p, &st, 0);
    int nfd = seen_nfd;
    check("vfork_exec_status_0", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#lx%ld", st, 0);
    char want[128];
    snprintf(want, sizeof(want), "report: %d=closed 9=open %d=open own_group=no usr1_blocked=no\n",
             fd, nfd);
    read_file(path, buf, sizeof(buf));
    check("vfork_exec_child_table", !strcmp(buf, want), "got %ld bytes%ld", (long)strlen(buf), 0);
    check("vfork_parent_fd_kept", is_open(fd), "fd %ld%ld", fd, 0);
    check("vfork_parent_fd9_closed", !is_open(9), "%ld%ld", 0, 0);
    check("vfork_parent_child_open_closed", nfd > 2 && !is_open(nfd), "fd %ld%ld", nfd, 0);
    same_file("vfork_parent_stdout_kept", 1, &out_before);
    close(fd);
    unlink(path);

    /* the child's chdir, umask and signal dispositions and mask are its own */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    getcwd(cwd_before, sizeof(cwd_before));
    mode_t um = umask(022);
    p = vfork();
    if (p == 0) {
        chdir("/");
        umask(077);
        signal(SIGUSR1, SIG_IGN);
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGUSR2);
        sigprocmask(SIG_BLOCK, &s, NULL);
        _exit(0);
    }
    waitpid(p, &st, 0);
    getcwd(cwd_after, sizeof(cwd_after));
    check("vfork_child_chdir_own", !strcmp(cwd_before, cwd_after), "%ld%ld", 0, 0);
    check("vfork_child_umask_own", umask(um) == 022, "%ld%ld", 0, 0);
    struct sigaction cur;
    sigaction(SIGUSR1, NULL, &cur);
    check("vfork_child_sigaction_own", cur.sa_handler == on_usr1, "%ld%ld", 0, 0);
    sigset_t m;
    sigprocmask(SIG_SETMASK, NULL, &m);
    check("vfork_child_mask_own", !sigismember(&m, SIGUSR2), "%ld%ld", 0, 0);
    raise(SIGUSR1);
    check("vfork_parent_handler_runs", usr1_count == 1, "count %ld%ld", usr1_count, 0);

    /* a failed exec returns to the child, which goes on */
    p = vfork();
    if (p == 0) {
        char *av[] = {"nope", NULL};
        execve("/no/such/program", av, environ);
        seen_errno = errno;
        _exit(127);
    }
    waitpid(p, &st, 0);
    check("vfork_exec_enoent", seen_errno == ENOENT && WIFEXITED(st) && WEXITSTATUS(st) == 127,
          "errno %ld status %#lx", seen_errno, st);

    /* a pipe whose writer is a vfork child that execs: end of file after it exits */
    int pp[2];
    pipe(pp);
    p = vfork();
    if (p == 0) {
        dup2(pp[1], 1);
        close(pp[0]);
        close(pp[1]);
        char *av[] = {"echo", "through", "the", "pipe", NULL};
        execve("/bin/echo", av, environ);
        _exit(127);
    }
    close(pp[1]);
    size_t got = 0;
    ssize_t n;
    while ((n = read(pp[0], buf + got, sizeof(buf) - 1 - got)) > 0)
        got += (size_t)n;
    buf[got] = 0;
    close(pp[0]);
    waitpid(p, &st, 0);
    check("vfork_pipe_eof", n == 0 && !strcmp(buf, "through the pipe\n"), "read %ld, %ld bytes", n,
          (long)got);

    /* SIGKILL to a vfork child: it ends killed */
    p = vfork();
    if (p == 0) {
        kill(getpid(), SIGKILL);
        _exit(0);
    }
    waitpid(p, &st, 0);
    check("vfork_child_sigkill", WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status %#lx%ld", st,
          0);

    /* fork in a vfork child: the grandchild is a copy of the child (its parent, its
     * descriptors), which waits for it; the parent's table is untouched */
    p = vfork();
    if (p == 0) {
        pid_t me2 = getpid();
        int nfd = open("/dev/null", O_RDONLY);
        pid_t g = fork();
        if (g == 0)
            _exit(40 | (getppid() == me2 ? 0 : 1) | (nfd >= 0 && is_open(nfd) ? 0 : 2));
        int gs = -1;
        seen_pid = g;
        seen_errno = g > 0 && waitpid(g, &gs, 0) == g && WIFEXITED(gs) ? WEXITSTATUS(gs) : -1;
        seen_nfd = nfd;
        _exit(g > 0 ? 0 : 1);
    }
    waitpid(p, &st, 0);
    check("vfork_child_fork", seen_pid > 0 && seen_errno == 40 && WIFEXITED(st) && !WEXITSTATUS(st),
          "grandchild status %ld, child status %#lx", (long)seen_errno, st);
    check("vfork_child_fork_parent_table", seen_nfd > 2 && !is_open(seen_nfd), "fd %ld%ld",
          (long)seen_nfd, 0);

    /* another thread of the parent keeps the parent's table while a child runs */
    watch_fd = open("/dev/null", O_RDONLY);
    pthread_t th;
    pthread_create(&th, NULL, watcher, NULL);
    p = vfork();
    if (p == 0) {
        close(watch_fd);
        struct timespec t = {0, 60000000};
        nanosleep(&t, NULL);
        _exit(is_open(watch_fd) ? 1 : 0);
    }
    waitpid(p, &st, 0);
    watch_stop = 1;
    pthread_join(th, NULL);
    check("vfork_other_thread_parent_table", !watch_closed && watch_looks > 0 && is_open(watch_fd),
          "closed %ld looks %ld", watch_closed, watch_looks);
    check("vfork_child_closed_its_copy", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#lx%ld",
          st, 0);
    close(watch_fd);

    /* posix_spawn: addopen, adddup2, addclose, setpgroup, setsigmask */
    snprintf(path, sizeof(path), "%s/vfork-spawn.out", dir);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 7, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 7, 1);
    posix_spawn_file_actions_addclose(&fa, 7);
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
    posix_spawnattr_setpgroup(&at, 0);
    sigset_t sm;
    sigemptyset(&sm);
    sigaddset(&sm, SIGUSR1);
    posix_spawnattr_setsigmask(&at, &sm);
    char *sav[] = {self, "--report", "7", NULL};
    int r = posix_spawn(&p, self, &fa, &at, sav, environ);
    pid_t pg = r == 0 ? getpgid(p) : -1;
    waitpid(p, &st, 0);
    check("spawn_status_0", r == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "r %ld status %#lx", r,
          st);
    read_file(path, buf, sizeof(buf));
    check("spawn_child_report", !strcmp(buf, "report: 7=closed own_group=yes usr1_blocked=yes\n"),
          "got %ld bytes%ld", (long)strlen(buf), 0);
    check("spawn_child_own_group", pg == p, "pgid %ld pid %ld", pg, p);
    check("spawn_parent_group_kept", getpgrp() != p, "%ld%ld", 0, 0);
    check("spawn_parent_fd7_closed", !is_open(7), "%ld%ld", 0, 0);
    sigprocmask(SIG_SETMASK, NULL, &m);
    check("spawn_parent_mask_kept", !sigismember(&m, SIGUSR1), "%ld%ld", 0, 0);
    same_file("spawn_parent_stdout_kept", 1, &out_before);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    unlink(path);

    /* a failing posix_spawn: ENOENT, and the child is reaped already */
    char *bav[] = {"nope", NULL};
    r = posix_spawn(&p, "/no/such/program", NULL, NULL, bav, environ);
    errno = 0;
    pid_t w = waitpid(-1, &st, WNOHANG);
    check("spawn_enoent", r == ENOENT, "r %ld%ld", r, 0);
    check("spawn_enoent_reaped", w == -1 && errno == ECHILD, "waitpid %ld errno %ld", w, errno);

    /* a pipe read by the parent, written by a posix_spawned child */
    pipe(pp);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pp[1], 1);
    posix_spawn_file_actions_addclose(&fa, pp[0]);
    posix_spawn_file_actions_addclose(&fa, pp[1]);
    char *eav[] = {"echo", "spawned", NULL};
    r = posix_spawn(&p, "/bin/echo", &fa, NULL, eav, environ);
    close(pp[1]);
    got = 0;
    while ((n = read(pp[0], buf + got, sizeof(buf) - 1 - got)) > 0)
        got += (size_t)n;
    buf[got] = 0;
    close(pp[0]);
    waitpid(p, &st, 0);
    check("spawn_pipe_eof", r == 0 && n == 0 && !strcmp(buf, "spawned\n"), "read %ld, %ld bytes", n,
          (long)got);
    posix_spawn_file_actions_destroy(&fa);

    /* many in a row: nothing leaks (descriptors, pids) */
    int ok = 1;
    for (int i = 0; i < 20 && ok; i++) {
        char *tav[] = {"true", NULL};
        ok = posix_spawn(&p, "/bin/true", NULL, NULL, tav, environ) == 0 &&
             waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
    int probe = open("/dev/null", O_RDONLY);
    check("spawn_twenty_times", ok, "%ld%ld", 0, 0);
    check("spawn_no_descriptor_leak", probe == 3, "next fd %ld%ld", probe, 0);
    close(probe);

    printf("vforktest: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}

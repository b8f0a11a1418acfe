/*
 * procs: fork, execve, wait4 and waitpid as programs use them, with the exit status
 * encoded as Linux does. The same static binary runs on the Linux host and in capix
 * (tools/capix exec); both must print only PASS lines. Argument: a writable directory.
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

static volatile sig_atomic_t chld_seen;

static void on_chld(int sig)
{
    (void)sig;
    chld_seen = chld_seen + 1;
}

/* Runs fn in a child and returns its wait status. */
static int child_status(void (*fn)(void *), void *arg)
{
    pid_t p = fork();
    if (p == 0) {
        fn(arg);
        _exit(0);
    }
    int st = -1;
    if (waitpid(p, &st, 0) != p)
        return -1;
    return st;
}

static void exit_with(void *arg)
{
    _exit((int)(long)arg);
}

static void crash(void *arg)
{
    *(volatile int *)arg = 1;
}

static void exec_path(void *arg)
{
    char *const argv[] = {(char *)arg, NULL};
    char *const envp[] = {"PATH=/bin", NULL};
    execve((const char *)arg, argv, envp);
    _exit(100 + errno);
}

static volatile int threads_stop;
static void *spin_thread(void *arg)
{
    (void)arg;
    while (!threads_stop) {
        struct timespec t = {0, 1000000};
        nanosleep(&t, NULL);
    }
    return NULL;
}

extern char **environ;

static void write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd >= 0) {
        if (write(fd, text, strlen(text)) < 0)
            perror("write");
        close(fd);
    }
    chmod(path, mode);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    char path[256];
    pid_t me = getpid();

    int pipe_pid[1] = {0};
    pid_t p = fork();
    if (p == 0) {
        /* the child: getppid is the parent, memory is a copy */
        pipe_pid[0] = 1234;
        _exit(getppid() == me ? 0 : 1);
    }
    int st = -1;
    check("fork_returns_child_pid", p > 0 && p != me, "fork returned %ld (my pid %ld)", p, me);
    check("waitpid_returns_pid", waitpid(p, &st, 0) == p, "%ld %ld", 0, 0);
    check("child_sees_parent_as_ppid", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#lx%ld", st,
          0);
    check("child_memory_is_a_copy", pipe_pid[0] == 0, "parent sees %ld%ld", pipe_pid[0], 0);

    st = child_status(exit_with, (void *)7L);
    check("exit_status_7", WIFEXITED(st) && WEXITSTATUS(st) == 7, "status %#lx%ld", st, 0);
    st = child_status(exit_with, (void *)300L);
    check("exit_status_truncated", WIFEXITED(st) && WEXITSTATUS(st) == 44, "status %#lx%ld", st, 0);
    st = child_status(crash, NULL);
    check("child_killed_by_sigsegv", WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "status %#lx%ld",
          st, 0);

    errno = 0;
    check("wait_without_children_echild", wait(&st) == -1 && errno == ECHILD, "errno %ld%ld", errno,
          0);

    p = fork();
    if (p == 0) {
        struct timespec t = {0, 200 * 1000 * 1000};
        nanosleep(&t, NULL);
        _exit(3);
    }
    check("wnohang_while_running", waitpid(p, &st, WNOHANG) == 0, "%ld%ld", 0, 0);
    check("wait_any_after", wait(&st) == p && WEXITSTATUS(st) == 3, "status %#lx%ld", st, 0);

    /* waits after an answer that said no child had anything to report (the runtime
     * then waits for the launcher's signal before asking): a child that ends, stops and
     * continues is still seen, and one that leaves no zombie is ECHILD */
    p = fork();
    if (p == 0) {
        struct timespec t = {0, 100 * 1000 * 1000};
        nanosleep(&t, NULL);
        raise(SIGSTOP);
        nanosleep(&t, NULL); /* the parent sees it continued before it ends */
        _exit(4);
    }
    int w1 = waitpid(p, &st, WNOHANG), w2 = waitpid(p, &st, WNOHANG | WUNTRACED);
    check("quiet_wnohang_twice", w1 == 0 && w2 == 0, "%ld %ld", w1, w2);
    w1 = waitpid(p, &st, WUNTRACED);
    check("quiet_then_stopped", w1 == p && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP,
          "%ld status %#lx", w1, st);
    kill(p, SIGCONT);
    w1 = waitpid(p, &st, WCONTINUED);
    check("quiet_then_continued", w1 == p && WIFCONTINUED(st), "%ld status %#lx", w1, st);
    w1 = waitpid(p, &st, 0);
    check("quiet_then_exited", w1 == p && WIFEXITED(st) && WEXITSTATUS(st) == 4, "%ld status %#lx",
          w1, st);
    signal(SIGCHLD, SIG_IGN); /* children leave no zombie */
    p = fork();
    if (p == 0) {
        struct timespec t = {0, 100 * 1000 * 1000};
        nanosleep(&t, NULL);
        _exit(5);
    }
    w1 = waitpid(p, &st, WNOHANG);
    errno = 0;
    w2 = waitpid(p, &st, 0);
    int e = errno;
    check("quiet_no_zombie_echild", w1 == 0 && w2 == -1 && e == ECHILD, "%ld then errno %ld", w1,
          e);
    signal(SIGCHLD, SIG_DFL);
    errno = 0;
    w1 = wait(&st); /* the child that left no zombie is no child to wait for */
    e = errno;
    check("quiet_no_zombie_then_none", w1 == -1 && e == ECHILD, "%ld errno %ld", w1, e);

    /* a SIGCHLD handler without SA_RESTART: the child's end is waitpid's answer, not
     * EINTR (Linux's waiter finds the zombie before the signal is handled) */
    struct sigaction sa = {0};
    sa.sa_handler = on_chld;
    sigaction(SIGCHLD, &sa, NULL);
    int bad = 0;
    for (int i = 0; i < 20; i++) {
        p = fork();
        if (p == 0) {
            struct timespec t = {0, (i % 4) * 1000 * 1000};
            nanosleep(&t, NULL);
            _exit(6);
        }
        w1 = waitpid(p, &st, 0);
        if (w1 != p || !WIFEXITED(st) || WEXITSTATUS(st) != 6) {
            bad++;
            if (w1 < 0)
                waitpid(p, &st, 0);
        }
    }
    check("sigchld_handler_wait_gets_child", bad == 0 && chld_seen > 0,
          "%ld of 20 waits failed, %ld", bad, chld_seen);
    signal(SIGCHLD, SIG_DFL);

    /* several children, reaped in any order */
    int n = 0;
    for (int i = 0; i < 10; i++)
        if (fork() == 0)
            _exit(i);
    int sum = 0;
    while (wait(&st) > 0) {
        n++;
        sum += WEXITSTATUS(st);
    }
    check("ten_children_reaped", n == 10 && sum == 45, "n %ld sum %ld", n, sum);

    /* execve */
    st = child_status(exec_path, "/bin/true");
    check("execve_true", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#lx%ld", st, 0);
    st = child_status(exec_path, "/bin/false");
    check("execve_false", WIFEXITED(st) && WEXITSTATUS(st) == 1, "status %#lx%ld", st, 0);
    st = child_status(exec_path, "/no/such/program");
    check("execve_enoent", WIFEXITED(st) && WEXITSTATUS(st) == 100 + ENOENT, "status %#lx%ld", st,
          0);
    snprintf(path, sizeof(path), "%s/procs-script.sh", dir);
    write_file(path, "#!/bin/bash\nexit 9\n", 0755);
    st = child_status(exec_path, path);
    check("execve_script", WIFEXITED(st) && WEXITSTATUS(st) == 9, "status %#lx%ld", st, 0);
    write_file(path, "#!/bin/bash\nexit 9\n", 0644);
    st = child_status(exec_path, path);
    check("execve_not_executable_eacces", WIFEXITED(st) && WEXITSTATUS(st) == 100 + EACCES,
          "status %#lx%ld", st, 0);
    write_file(path, "this is not a program\n", 0755);
    st = child_status(exec_path, path);
    check("execve_garbage_enoexec", WIFEXITED(st) && WEXITSTATUS(st) == 100 + ENOEXEC,
          "status %#lx%ld", st, 0);
    write_file(path, "#!/no/such/interpreter\n", 0755);
    st = child_status(exec_path, path);
    check("execve_missing_interpreter_enoent", WIFEXITED(st) && WEXITSTATUS(st) == 100 + ENOENT,
          "status %#lx%ld", st, 0);
    unlink(path);

    /* close-on-exec: a descriptor marked so is gone in the new program */
    snprintf(path, sizeof(path), "%s/procs-cloexec", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    int fd2 = open(path, O_WRONLY);
    p = fork();
    if (p == 0) {
        char a[16], b[16], script[128];
        snprintf(a, sizeof(a), "%d", fd);
        snprintf(b, sizeof(b), "%d", fd2);
        snprintf(script, sizeof(script),
                 "[ -e /proc/self/fd/$1 ] && exit 1; [ -e /proc/self/fd/$2 ] || exit 2; exit 0");
        execl("/bin/bash", "bash", "-c", script, "bash", a, b, (char *)NULL);
        _exit(127);
    }
    waitpid(p, &st, 0);
    check("cloexec_closed_others_kept", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#lx%ld", st,
          0);
    close(fd);
    close(fd2);
    unlink(path);

    /* fork from a process with three threads: only the caller goes on in the child */
    pthread_t th[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&th[i], NULL, spin_thread, NULL);
    p = fork();
    if (p == 0)
        _exit(42);
    waitpid(p, &st, 0);
    threads_stop = 1;
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    check("fork_with_threads", WIFEXITED(st) && WEXITSTATUS(st) == 42, "status %#lx%ld", st, 0);

    /* posix_spawn with file actions: the child's stdout goes to a file, ours stays */
    snprintf(path, sizeof(path), "%s/procs-spawn.out", dir);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    char *sargv[] = {"echo", "spawned", NULL};
    int r = posix_spawn(&p, "/bin/echo", &fa, NULL, sargv, environ);
    waitpid(p, &st, 0);
    char sbuf[32] = "";
    int sfd = open(path, O_RDONLY);
    ssize_t sn = sfd >= 0 ? read(sfd, sbuf, sizeof(sbuf) - 1) : -1;
    if (sfd >= 0)
        close(sfd);
    check("posix_spawn_file_actions",
          r == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 && sn == 8 && !strcmp(sbuf, "spawned\n"),
          "r %ld read %ld", r, (long)sn);
    check("posix_spawn_parent_stdout_kept", fcntl(1, F_GETFD) >= 0, "%ld%ld", 0, 0);
    char *bargv[] = {"nope", NULL};
    r = posix_spawn(&p, "/no/such/program", NULL, NULL, bargv, environ);
    check("posix_spawn_enoent", r == ENOENT, "r %ld%ld", r, 0);
    unlink(path);

    /* a pipe's writer killed by SIGKILL: the reader sees end of file */
    int kp[2];
    if (pipe(kp) == 0) {
        p = fork();
        if (p == 0) {
            close(kp[0]);
            for (;;)
                pause();
        }
        close(kp[1]);
        struct timespec t = {0, 50000000};
        nanosleep(&t, NULL);
        kill(p, SIGKILL);
        waitpid(p, &st, 0);
        char c;
        ssize_t n = read(kp[0], &c, 1);
        check("pipe_eof_after_writer_killed", n == 0 && WIFSIGNALED(st), "read %ld status %#lx",
              (long)n, st);
        close(kp[0]);
    }

    printf("procs: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}

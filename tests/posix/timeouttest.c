/*
 * timeouttest: the steps of the provider-timeout scenario (docs/sessions.md,
 * "Timeouts"), in a sandbox whose routes lead to providers that stop answering
 * (tests/native/silent.c) and to a good ram_fs that serves /tmp:
 *   timeouttest prober SECONDS  sleeps (until init is done with the providers other
 *                               sandboxes ask at start), copies itself to
 *                               /tmp/silent-tree, /tmp/stuck-tree and /tmp/good-tree
 *                               (each has its own tree in the config, /srv a session of
 *                               the provider its name says), then:
 *     - opens /dev/mute, a Terminal whose server makes the session but does not answer
 *       the launcher's bind: the open fails with EIO after the launcher's 10 s;
 *     - execs silent-tree in a fork child: init's call to its provider times out after
 *       5 s, so the exec fails (EACCES: the tree cannot be built) and the sandbox's
 *       quota is back to the byte; a second exec fails at once (init no longer asks
 *       that provider);
 *     - execs stuck-tree in a fork child, whose server makes the session and takes the
 *       mount's first request without answering: the child hangs there holding the
 *       session buffer's lock; SIGKILL ends it, and the launcher, which asks the server
 *       before it frees that lock, gives up after 10 s: kill and wait come back;
 *     - execs good-tree (a new session of the good provider): it works at once.
 *   timeouttest later SECONDS   (another sandbox) sleeps, then does the last step.
 *   timeouttest use DIR         (the copies) writes DIR/probe and reads it back.
 * One PASS or FAIL line per check, with the figures; exit status 0 when all passed.
 * Sessions whose server made something from the donated quota and then stopped
 * answering do not give the quota back (the server's objects hold it; docs/sessions.md):
 * for those the lines only report the figures.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failed;

/* "PASS name: what" or "FAIL name: what" (the figures on both, for the scenario's log) */
__attribute__((format(printf, 3, 4))) static void check(int ok, const char *name, const char *fmt,
                                                        ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s %s: ", ok ? "PASS" : "FAIL", name);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
    failed |= !ok;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* What the sandbox has used of its quota (sysinfo reports the quota the kernel keeps). */
static unsigned long sandbox_used(void)
{
    struct sysinfo si;
    if (sysinfo(&si))
        return 0;
    return (si.totalram - si.freeram) * si.mem_unit;
}

static int copy_self(const char *to)
{
    static char buf[1 << 16];
    int in = open("/capix/timeouttest", O_RDONLY), ok = in >= 0;
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    ssize_t n;
    ok &= out >= 0;
    while (ok && (n = read(in, buf, sizeof(buf))) > 0)
        ok &= write(out, buf, (size_t)n) == n;
    if (in >= 0)
        close(in);
    if (out >= 0)
        ok &= close(out) == 0;
    return ok ? 0 : -1;
}

/* Runs `PATH use /srv` in a fork child (whose pid goes to *out_pid) and, if asked,
 * waits for it: returns its wait status (a failed exec exits with 100 + errno), or -1. */
static int run_copy(const char *path, pid_t *out_pid, int wait_for_it)
{
    pid_t pid = fork();
    if (pid == 0) {
        execl(path, path, "use", "/srv", (char *)NULL);
        int e = errno;
        printf("exec %s: %s\n", path, strerror(e));
        fflush(stdout);
        _exit(100 + (e & 0x3f));
    }
    if (out_pid)
        *out_pid = pid;
    int st = -1;
    if (wait_for_it && pid > 0 && waitpid(pid, &st, 0) != pid)
        st = -1;
    return st;
}

static int prober(unsigned delay)
{
    sleep(delay);
    const char *copies[] = {"/tmp/silent-tree", "/tmp/stuck-tree", "/tmp/good-tree"};
    for (unsigned i = 0; i < 3; i++)
        if (copy_self(copies[i])) {
            check(0, "copies", "%s: %s", copies[i], strerror(errno));
            return 1;
        }

    /* a Terminal server that makes the session but does not answer the launcher */
    unsigned long used0 = sandbox_used();
    double t0 = now_s();
    int fd = open("/dev/mute", O_RDWR | O_NOCTTY);
    int e = errno;
    double dt = now_s() - t0;
    check(fd < 0 && e == EIO && dt > 9 && dt < 20, "silent_terminal",
          "open /dev/mute: %s after %.1f s", fd < 0 ? strerror(e) : "opened", dt);
    printf("sandbox quota used %lu before, %lu after (the server holds the session)\n", used0,
           sandbox_used());

    /* a provider that does not answer init, asked twice */
    used0 = sandbox_used();
    t0 = now_s();
    int st = run_copy("/tmp/silent-tree", NULL, 1);
    dt = now_s() - t0;
    unsigned long used1 = sandbox_used();
    check(WIFEXITED(st) && WEXITSTATUS(st) == 100 + EACCES && dt > 4.5 && dt < 9, "silent_provider",
          "exec of a tree with its session failed (status %#x) after %.1f s", st, dt);
    check(used1 == used0, "silent_provider_quota", "sandbox quota used %lu before, %lu after",
          used0, used1);
    t0 = now_s();
    st = run_copy("/tmp/silent-tree", NULL, 1);
    dt = now_s() - t0;
    check(WIFEXITED(st) && WEXITSTATUS(st) == 100 + EACCES && dt < 2, "silent_provider_again",
          "exec failed again (status %#x) after %.1f s", st, dt);

    /* a server that takes the mount's request and never answers: the child hangs in it */
    pid_t pid = -1;
    run_copy("/tmp/stuck-tree", &pid, 0);
    sleep(2);
    int r = waitpid(pid, &st, WNOHANG);
    check(pid > 0 && r == 0, "stuck_server_holds_the_child",
          "pid %d still in its mount after 2 s (waitpid: %d)", (int)pid, r);
    used0 = sandbox_used();
    t0 = now_s();
    int k = kill(pid, SIGKILL);
    r = waitpid(pid, &st, 0);
    dt = now_s() - t0;
    check(k == 0 && r == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && dt > 9 && dt < 20,
          "stuck_server_kill", "kill and wait came back after %.1f s (status %#x)", dt, st);
    printf("sandbox quota used %lu before, %lu after (the server holds the session)\n", used0,
           sandbox_used());

    /* the good provider, asked after all that */
    t0 = now_s();
    st = run_copy("/tmp/good-tree", NULL, 1);
    dt = now_s() - t0;
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0 && dt < 4, "good_provider_after",
          "a new session of the good provider worked (status %#x, %.1f s)", st, dt);
    return failed;
}

static int later(unsigned seconds)
{
    sleep(seconds);
    if (copy_self("/tmp/good-tree")) {
        check(0, "copies", "/tmp/good-tree: %s", strerror(errno));
        return 1;
    }
    double t0 = now_s();
    int st = run_copy("/tmp/good-tree", NULL, 1);
    double dt = now_s() - t0;
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0 && dt < 4, "other_sandbox_session",
          "a new session of the good provider %u s after start worked (status %#x, %.1f s)",
          seconds, st, dt);
    return failed;
}

static int use(const char *dir)
{
    char path[256], buf[64] = "";
    snprintf(path, sizeof(path), "%s/probe", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    ssize_t w = fd >= 0 ? write(fd, "answered", 8) : -1;
    ssize_t n = w == 8 ? pread(fd, buf, sizeof(buf) - 1, 0) : -1;
    if (fd >= 0)
        close(fd);
    check(n == 8 && !memcmp(buf, "answered", 8), "session_used", "wrote and read %s: %s", path,
          n == 8 ? buf : strerror(errno));
    return failed;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 3 && !strcmp(argv[1], "prober"))
        return prober((unsigned)atoi(argv[2]));
    if (argc == 3 && !strcmp(argv[1], "later"))
        return later((unsigned)atoi(argv[2]));
    if (argc == 3 && !strcmp(argv[1], "use"))
        return use(argv[2]);
    fprintf(stderr, "usage: timeouttest prober SECONDS | later SECONDS | use DIR\n");
    return 2;
}

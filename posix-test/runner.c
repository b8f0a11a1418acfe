/*
 * ptrun: runs the Open POSIX Test Suite programs listed in ROOT/tests.tsv (the list the
 * posixtestsuite port writes) and writes one result line per test. It is a static musl
 * program so that the same binary runs on the Linux host and, later, inside capix.
 *
 * Each test runs from its own directory (a .sh test from the top directory, as the suite
 * runs them), in a process group of its own, with stdin from
 * /dev/null and its output in a log file (or /dev/null). When it exits or its time is up,
 * the whole group is killed with SIGKILL, so a test that hangs or leaves children behind
 * cannot stop the run. Exit statuses map as the suite maps them: 0 PASS, 1 FAIL,
 * 2 UNRESOLVED, 4 UNSUPPORTED, 5 UNTESTED, out of time HUNG, killed by a signal (or an
 * exit status the suite does not define) INTERRUPTED. Entries that did not build are
 * recorded as BUILD-FAIL, tests that are only compiled as BUILD-ONLY.
 *
 * Result lines (TSV): test, kind, result, detail, seconds. Lines starting with '#' are
 * comments (the header says what ran where). The format is read by posix-test/results.py.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PT_MAX_FIELD 4096

struct pt_options {
    double timeout;     /* seconds per test */
    const char *root;   /* the posixtests tree */
    const char *list;   /* tests.tsv, default ROOT/tests.tsv */
    const char *logdir; /* where non-PASS output is kept, or NULL */
    const char *kinds;  /* comma-separated kinds to run */
    char **prefixes;    /* run only tests starting with one of these */
    int nprefixes;
    int progress; /* print progress to stderr */
};

struct pt_counts {
    int done, notpass;
};

static FILE *pt_out;

static void pt_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ptrun: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static double pt_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pt_sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static int pt_kind_selected(const struct pt_options *o, const char *kind)
{
    size_t n = strlen(kind);
    const char *p = o->kinds;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, kind, n) == 0)
            return 1;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

static int pt_test_selected(const struct pt_options *o, const char *test)
{
    if (o->nprefixes == 0)
        return 1;
    for (int i = 0; i < o->nprefixes; i++)
        if (strncmp(test, o->prefixes[i], strlen(o->prefixes[i])) == 0)
            return 1;
    return 0;
}

/* Keeps TSV fields one line long: tabs and newlines become spaces. */
static void pt_clean(char *s)
{
    for (; *s; s++)
        if (*s == '\t' || *s == '\n' || *s == '\r')
            *s = ' ';
}

static void pt_record(const char *test, const char *kind, const char *result, const char *detail,
                      double seconds)
{
    char d[PT_MAX_FIELD];
    snprintf(d, sizeof d, "%s", detail);
    pt_clean(d);
    fprintf(pt_out, "%s\t%s\t%s\t%s\t%.3f\n", test, kind, result, d, seconds);
    fflush(pt_out);
}

static const char *pt_result_of_exit(int code)
{
    switch (code) {
    case 0:
        return "PASS";
    case 1:
        return "FAIL";
    case 2:
        return "UNRESOLVED";
    case 4:
        return "UNSUPPORTED";
    case 5:
        return "UNTESTED";
    default:
        return "INTERRUPTED";
    }
}

/* The log file of a test: LOGDIR/conformance_interfaces_fork_7-1.log. */
static void pt_log_path(const struct pt_options *o, const char *test, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s.log", o->logdir, test);
    for (char *p = buf + strlen(o->logdir) + 1; *p; p++)
        if (*p == '/')
            *p = '_';
}

/* Reaps whatever has exited; returns 1 and the status once PID is among them. */
static int pt_reap(pid_t pid, int *status)
{
    int found = 0;
    for (;;) {
        int st;
        pid_t r = waitpid(-1, &st, WNOHANG);
        if (r <= 0)
            return found;
        if (r == pid) {
            *status = st;
            found = 1;
        }
    }
}

static void pt_child(const char *dir, const char *exe, int is_script, const char *log, int errfd)
{
    int fd;
    setpgid(0, 0);
    struct rlimit nocore = {0, 0};
    setrlimit(RLIMIT_CORE, &nocore);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int s = 1; s < NSIG; s++)
        signal(s, SIG_DFL);
    /* The log first: its path may be relative to where ptrun was started. */
    if ((fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0 || dup2(fd, 1) < 0 ||
        dup2(fd, 2) < 0)
        goto fail;
    close(fd);
    if ((fd = open("/dev/null", O_RDONLY)) < 0 || dup2(fd, 0) < 0)
        goto fail;
    close(fd);
    if (chdir(dir) != 0)
        goto fail;
    if (is_script) {
        char *argv[] = {"sh", (char *)exe, NULL};
        execv("/bin/sh", argv);
    } else {
        char *argv[] = {(char *)exe, NULL};
        execv(exe, argv);
    }
fail:;
    int e = errno;
    ssize_t unused = write(errfd, &e, sizeof e);
    (void)unused;
    _exit(127);
}

/* Runs one test: DIR is its directory, EXE the program there ("./1-1.test"). */
static void pt_run(const struct pt_options *o, struct pt_counts *c, const char *test,
                   const char *kind, const char *dir, const char *exe, int is_script)
{
    char log[PT_MAX_FIELD], detail[PT_MAX_FIELD] = "";
    const char *result;
    int pipefd[2], status = 0, exec_errno = 0;

    if (o->logdir)
        pt_log_path(o, test, log, sizeof log);
    else
        snprintf(log, sizeof log, "/dev/null");
    if (pipe2(pipefd, O_CLOEXEC) != 0)
        pt_die("pipe: %s", strerror(errno));
    double t0 = pt_now();
    pid_t pid = fork();
    if (pid < 0)
        pt_die("fork: %s", strerror(errno));
    if (pid == 0)
        pt_child(dir, exe, is_script, log, pipefd[1]);
    setpgid(pid, pid);
    close(pipefd[1]);
    /* Until exec succeeds (the pipe closes) or fails (errno arrives). */
    ssize_t n;
    while ((n = read(pipefd[0], &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR) {
    }
    close(pipefd[0]);
    if (n != (ssize_t)sizeof exec_errno)
        exec_errno = 0;

    long delay = 100;
    int exited = 0, hung = 0;
    while (!(exited = pt_reap(pid, &status))) {
        if (pt_now() - t0 >= o->timeout) {
            hung = 1;
            break;
        }
        pt_sleep_us(delay);
        if (delay < 10000)
            delay *= 2;
    }
    double secs = pt_now() - t0;
    /* The group goes in any case: a hung test, or what a finished one left behind. */
    kill(-pid, SIGKILL);
    if (hung) {
        kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        pt_reap(-1, &status);
        result = "HUNG";
        snprintf(detail, sizeof detail, "no exit within %gs, killed", o->timeout);
    } else if (exec_errno) {
        result = "INTERRUPTED";
        snprintf(detail, sizeof detail, "could not start %.1000s: %s", exe, strerror(exec_errno));
    } else if (WIFSIGNALED(status)) {
        result = "INTERRUPTED";
        snprintf(detail, sizeof detail, "signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    } else {
        int code = WEXITSTATUS(status);
        result = pt_result_of_exit(code);
        snprintf(detail, sizeof detail, "exit %d", code);
    }
    pt_record(test, kind, result, detail, secs);
    c->done++;
    if (strcmp(result, "PASS") != 0) {
        c->notpass++;
        if (o->progress)
            fprintf(stderr, "ptrun: %s %s (%s, %.2fs)\n", test, result, detail, secs);
    } else if (o->logdir) {
        unlink(log);
    }
}

/* Splits TEST into its directory and the program to run there. */
static int pt_program(const char *test, const char *kind, char *dir, size_t dsize, char *exe,
                      size_t esize, int *is_script)
{
    const char *slash = strrchr(test, '/');
    const char *base = slash ? slash + 1 : test;
    const char *suffix = "";
    size_t dlen = slash ? (size_t)(slash - test) : 0;
    *is_script = 0;
    if (strcmp(kind, "run") == 0) {
        suffix = ".test";
    } else if (strcmp(kind, "script") == 0) {
        /* As the suite's Makefile runs them: from the top directory, by their path (some
         * call helper programs by a path from there). */
        if ((size_t)snprintf(exe, esize, "%s.sh", test) >= esize)
            return -1;
        snprintf(dir, dsize, ".");
        *is_script = 1;
        return 0;
    } else {
        size_t bl = strlen(base);
        if (bl > 2 && (strcmp(base + bl - 2, ".c") == 0 || strcmp(base + bl - 2, ".h") == 0))
            return -1; /* a source file, not a program */
    }
    if (dlen + 1 > dsize || (size_t)snprintf(exe, esize, "./%s%s", base, suffix) >= esize)
        return -1;
    memcpy(dir, test, dlen);
    dir[dlen] = 0;
    return 0;
}

static void pt_entry(const struct pt_options *o, struct pt_counts *c, char *line)
{
    char *f[4] = {NULL, "", "", ""};
    int nf = 0;
    char *p = line;
    f[nf++] = p;
    while (nf < 4 && (p = strchr(p, '\t'))) {
        *p++ = 0;
        f[nf++] = p;
    }
    const char *test = f[0], *kind = f[1], *status = f[2], *why = f[3];
    if (!*test || !pt_test_selected(o, test))
        return;
    /* Entries of kinds not run now are left out, build failures included. */
    if (strcmp(kind, "build-only") != 0 && !pt_kind_selected(o, kind))
        return;
    if (strstr(status, "fail")) {
        char d[PT_MAX_FIELD];
        snprintf(d, sizeof d, "%.100s: %.1000s", status, why);
        pt_record(test, kind, "BUILD-FAIL", d, 0);
        return;
    }
    if (strcmp(kind, "build-only") == 0) {
        pt_record(test, kind, "BUILD-ONLY", "compiled only, nothing to run", 0);
        return;
    }
    char rel[PT_MAX_FIELD], dir[PT_MAX_FIELD], exe[PT_MAX_FIELD];
    int is_script;
    if (pt_program(test, kind, rel, sizeof rel, exe, sizeof exe, &is_script) != 0)
        return;
    if ((size_t)snprintf(dir, sizeof dir, "%s/%s", o->root, rel) >= sizeof dir)
        pt_die("path too long: %s", test);
    pt_run(o, c, test, kind, dir, exe, is_script);
}

static void pt_usage(void)
{
    fputs("usage: ptrun [-t SECONDS] [-o RESULTS] [-L LOGDIR] [-k KINDS] [-l LIST] [-H TEXT]\n"
          "             [-q] ROOT [PREFIX...]\n"
          "  runs the tests listed in LIST (default ROOT/tests.tsv) whose kind is in KINDS\n"
          "  (default run,script,functional) and whose name starts with a PREFIX (default\n"
          "  all); -t is the time per test (default 10), -H adds a header comment line\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    struct pt_options o = {.timeout = 10, .kinds = "run,script,functional", .progress = 1};
    const char *outpath = NULL;
    char *headers[32];
    int nheaders = 0, opt;
    while ((opt = getopt(argc, argv, "t:o:L:k:l:H:q")) != -1) {
        switch (opt) {
        case 't':
            o.timeout = atof(optarg);
            if (o.timeout <= 0)
                pt_usage();
            break;
        case 'o':
            outpath = optarg;
            break;
        case 'L':
            o.logdir = optarg;
            break;
        case 'k':
            o.kinds = optarg;
            break;
        case 'l':
            o.list = optarg;
            break;
        case 'H':
            if (nheaders < 32)
                headers[nheaders++] = optarg;
            break;
        case 'q':
            o.progress = 0;
            break;
        default:
            pt_usage();
        }
    }
    if (optind >= argc)
        pt_usage();
    o.root = argv[optind];
    o.prefixes = argv + optind + 1;
    o.nprefixes = argc - optind - 1;

    char listpath[PT_MAX_FIELD];
    if (!o.list) {
        snprintf(listpath, sizeof listpath, "%s/tests.tsv", o.root);
        o.list = listpath;
    }
    FILE *list = fopen(o.list, "r");
    if (!list)
        pt_die("%s: %s", o.list, strerror(errno));
    pt_out = stdout;
    if (outpath && !(pt_out = fopen(outpath, "we")))
        pt_die("%s: %s", outpath, strerror(errno));
    if (o.logdir && mkdir(o.logdir, 0755) != 0 && errno != EEXIST)
        pt_die("%s: %s", o.logdir, strerror(errno));

    /* Orphans of the tests are re-parented to us and reaped (Linux; harmless elsewhere). */
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    signal(SIGPIPE, SIG_IGN);

    fprintf(pt_out, "# ptrun results 1: test, kind, result, detail, seconds\n");
    fprintf(pt_out, "# timeout %g\n# kinds %s\n", o.timeout, o.kinds);
    for (int i = 0; i < nheaders; i++)
        fprintf(pt_out, "# %s\n", headers[i]);
    fflush(pt_out);

    struct pt_counts c = {0, 0};
    double t0 = pt_now(), last = t0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, list)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        if (len == 0 || line[0] == '#')
            continue;
        pt_entry(&o, &c, line);
        if (o.progress && pt_now() - last >= 60) {
            last = pt_now();
            fprintf(stderr, "ptrun: %d tests run, %d not PASS, %.0fs\n", c.done, c.notpass,
                    last - t0);
        }
    }
    free(line);
    fclose(list);
    double total = pt_now() - t0;
    fprintf(pt_out, "# done %d tests in %.1fs\n", c.done, total);
    if (fclose(pt_out) != 0 && outpath)
        pt_die("%s: %s", outpath, strerror(errno));
    if (o.progress)
        fprintf(stderr, "ptrun: %d tests run, %d not PASS, %.1fs\n", c.done, c.notpass, total);
    return 0;
}

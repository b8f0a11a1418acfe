/*
 * /proc/PID/stat, status, comm and cmdline as programs read them (issue 20), run on the
 * Linux host and in capix with the same output (tests/posix/procstat-test.sh): the
 * fields of the own process and of a forked child (running, then a zombie), parsed as
 * procps parses them (the name between the first '(' and the last ')'). Fields whose
 * values differ by nature (times, addresses, flags, memory) are printed as their kind
 * only ("N"), so that the layout is compared field by field; the ones that name
 * processes are checked against getpid, getppid, getpgrp and getsid.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

#define NFIELDS 52

/* The text of file path (NUL-terminated, at most size - 1 bytes); its length or -1. */
static long slurp(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY);
    long n = 0, r;
    if (fd < 0)
        return -1;
    while ((size_t)n < size - 1 && (r = read(fd, buf + n, size - 1 - (size_t)n)) > 0)
        n += r;
    close(fd);
    buf[n] = 0;
    return n;
}

struct stat_fields {
    char comm[64];
    char state;
    long long v[NFIELDS + 1]; /* v[k]: field k (from 1), numbers only */
    int count;
};

/* Parses /proc/PID/stat as procps does; 0 or -1. */
static int parse_stat(int pid, struct stat_fields *f)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    if (slurp(path, buf, sizeof buf) <= 0)
        return -1;
    char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
    if (!open_paren || !close_paren || close_paren < open_paren || close_paren[1] != ' ')
        return -1;
    memset(f, 0, sizeof *f);
    size_t n = (size_t)(close_paren - open_paren - 1);
    if (n >= sizeof f->comm)
        return -1;
    memcpy(f->comm, open_paren + 1, n);
    f->v[1] = atoll(buf);
    f->state = close_paren[2];
    f->count = 3;
    char *p = close_paren + 3;
    while (*p && *p != '\n') {
        char *end;
        f->v[++f->count] = strtoll(p, &end, 10);
        if (end == p || f->count > NFIELDS)
            return -1;
        p = *end == ' ' ? end + 1 : end;
    }
    return *p == '\n' && p[1] == 0 ? 0 : -1;
}

/* The layout: every field as what it is ("PID", "PPID", ...) or its kind ("N", "-N"). */
static void print_layout(const char *who, const struct stat_fields *f, int pid, int ppid, int pgid,
                         int sid)
{
    printf("%s layout: %s %d", who, f->comm, f->count);
    for (int k = 4; k <= f->count; k++) {
        long long x = f->v[k];
        if (k == 4)
            printf(" %s", x == ppid ? "PPID" : "?");
        else if (k == 5)
            printf(" %s", x == pgid ? "PGID" : "?");
        else if (k == 6)
            printf(" %s", x == sid ? "SID" : "?");
        else if (k == 38)
            printf(" %lld", x); /* exit_signal */
        else
            printf(" %s", x < 0 ? "-N" : "N");
    }
    printf(" (pid %s)\n", f->v[1] == pid ? "PID" : "?");
    fflush(stdout);
}

/* The value of key in /proc/PID/status, or "" */
static const char *status_value(const char *text, const char *key, char *out, size_t size)
{
    size_t kl = strlen(key);
    out[0] = 0;
    for (const char *line = text; *line;) {
        const char *end = strchr(line, '\n');
        if (!end)
            break;
        if (!strncmp(line, key, kl) && line[kl] == ':') {
            const char *v = line + kl + 1;
            while (*v == '\t' || *v == ' ')
                v++;
            size_t n = (size_t)(end - v) < size - 1 ? (size_t)(end - v) : size - 1;
            memcpy(out, v, n);
            out[n] = 0;
            break;
        }
        line = end + 1;
    }
    return out;
}

static void check_status(const char *who, int pid, int ppid, char state)
{
    char path[64], text[4096], v[64], want[64], name[64];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    snprintf(name, sizeof name, "%s-status-read", who);
    check(name, slurp(path, text, sizeof text) > 0, "cannot read status");
    snprintf(name, sizeof name, "%s-status-pid", who);
    snprintf(want, sizeof want, "%d", pid);
    check(name, !strcmp(status_value(text, "Pid", v, sizeof v), want), v);
    snprintf(name, sizeof name, "%s-status-tgid", who);
    check(name, !strcmp(status_value(text, "Tgid", v, sizeof v), want), v);
    snprintf(name, sizeof name, "%s-status-ppid", who);
    snprintf(want, sizeof want, "%d", ppid);
    check(name, !strcmp(status_value(text, "PPid", v, sizeof v), want), v);
    snprintf(name, sizeof name, "%s-status-state", who);
    check(name,
          status_value(text, "State", v, sizeof v)[0] == state || (state == 'S' && v[0] == 'R'), v);
    snprintf(name, sizeof name, "%s-status-name", who);
    check(name, !strcmp(status_value(text, "Name", v, sizeof v), "procstat"), v);
    snprintf(name, sizeof name, "%s-status-uid", who);
    snprintf(want, sizeof want, "%u\t%u\t%u\t%u", getuid(), geteuid(), geteuid(), geteuid());
    check(name, !strcmp(status_value(text, "Uid", v, sizeof v), want), v);
    printf("%s status keys:", who);
    for (const char *line = text; *line;) {
        const char *colon = strchr(line, ':'), *end = strchr(line, '\n');
        if (!colon || !end)
            break;
        static const char *const keys[] = {"Name",      "State", "Tgid", "Pid",    "PPid",
                                           "TracerPid", "Uid",   "Gid",  "Threads"};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            if ((size_t)(colon - line) == strlen(keys[k]) &&
                !strncmp(line, keys[k], strlen(keys[k])))
                printf(" %s", keys[k]);
        line = end + 1;
    }
    printf("\n");
    fflush(stdout);
}

extern char **environ;

/* /proc/self/environ: the environment the program was started with, each string with
 * its NUL, in order (the program has not changed its own), mode 0400 as on Linux. */
static void check_environ(void)
{
    static char want[65536], got[65536];
    size_t wn = 0;
    for (char **e = environ; *e && wn + strlen(*e) + 1 <= sizeof want; e++) {
        memcpy(want + wn, *e, strlen(*e) + 1);
        wn += strlen(*e) + 1;
    }
    int fd = open("/proc/self/environ", O_RDONLY);
    size_t gn = 0;
    for (ssize_t r; fd >= 0 && gn < sizeof got && (r = read(fd, got + gn, sizeof got - gn)) > 0;)
        gn += (size_t)r;
    struct stat st;
    int mode = fd >= 0 && fstat(fd, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
    if (fd >= 0)
        close(fd);
    check("self-environ", fd >= 0 && gn == wn && !memcmp(got, want, wn), "differs from environ");
    check("self-environ-mode", mode == 0400, "not 0400");
}

int main(int argc, char **argv)
{
    struct stat_fields self, child;
    char buf[256];
    int me = getpid();

    check("self-stat-parses", parse_stat(me, &self) == 0, "unparsable");
    check("self-stat-fields", self.count == NFIELDS, "not 52 fields");
    check("self-stat-comm", !strcmp(self.comm, "procstat"), self.comm);
    check("self-stat-state", self.state == 'R', "not R");
    check("self-stat-ids",
          self.v[1] == me && self.v[4] == getppid() && self.v[5] == getpgrp() &&
              self.v[6] == getsid(0),
          "pid, ppid, pgrp or session differ");
    print_layout("self", &self, me, getppid(), getpgrp(), getsid(0));
    check("self-via-link", slurp("/proc/self/stat", buf, sizeof buf) > 0 && atoi(buf) == me,
          "/proc/self/stat is not the own");
    check_status("self", me, getppid(), 'R');
    check_environ();

    int go[2];
    if (pipe(go))
        return 1;
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        close(go[1]);
        while (read(go[0], &c, 1) > 0) /* until the parent has looked */
            ;
        _exit(3);
    }
    close(go[0]);
    check("fork", pid > 0, "fork failed");
    if (pid < 0)
        return 1;
    check("child-stat-parses", parse_stat(pid, &child) == 0, "unparsable");
    check("child-stat-fields", child.count == NFIELDS, "not 52 fields");
    check("child-stat-comm", !strcmp(child.comm, "procstat"), child.comm);
    check("child-stat-state", child.state == 'S' || child.state == 'R', "not S or R");
    check("child-stat-ids",
          child.v[1] == pid && child.v[4] == me && child.v[5] == getpgrp() &&
              child.v[6] == getsid(0),
          "pid, ppid, pgrp or session differ");
    check("child-starttime", child.v[22] >= self.v[22], "started before its parent");
    print_layout("child", &child, pid, me, getpgrp(), getsid(0));
    check_status("child", pid, me, 'S');
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/comm", pid);
    check("child-comm", slurp(path, buf, sizeof buf) > 0 && !strcmp(buf, "procstat\n"), buf);
    snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
    long n = slurp(path, buf, sizeof buf);
    check("child-cmdline", n > 0 && !strcmp(buf, argv[0]) && (size_t)n >= strlen(argv[0]) + 1,
          "not the parent's argv");

    /* a zombie: exited, not yet waited for */
    close(go[1]);
    siginfo_t si;
    check("zombie-wait", waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) == 0, "waitid");
    check("zombie-stat", parse_stat(pid, &child) == 0 && child.state == 'Z' && child.v[4] == me,
          "not Z");
    snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
    check("zombie-cmdline", slurp(path, buf, sizeof buf) == 0, "not empty");
    print_layout("zombie", &child, pid, me, getpgrp(), getsid(0));
    int status;
    check("reaped", waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 3, "waitpid");
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    check("gone", open(path, O_RDONLY) < 0 && errno == ENOENT, "still there");
    check("no-such-pid", open("/proc/999999/stat", O_RDONLY) < 0 && errno == ENOENT, "found");
    (void)argc;
    return failed;
}

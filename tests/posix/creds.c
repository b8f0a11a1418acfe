/*
 * Credentials (issue 20): the setuid family, getres*id, setfs*id, getgroups and
 * setgroups with Linux's rules, inherited by fork and posix_spawn children, kept across
 * execve (the saved ids become the effective ones) and changed by a file's set-user-id
 * and set-group-id bits, run on the Linux host and in capix with the same output
 * (tests/posix/creds-test.sh). It must start as root (uid 0, as the host side does here
 * and in CI and as a capix sandbox does by default); each case that gives up privilege
 * runs in a child of its own, so the next starts as root again. The programs it execs
 * are copies of itself in /tmp (a directory every id may search), whose `show` mode
 * checks the ids it runs with. A change of the effective or fs ids, and an exec that
 * makes the effective ids other than the real ones, clear the parent-death signal
 * (PR_SET_PDEATHSIG); the copies' `pdeath` mode reports it after exec.
 */
#include <fcntl.h>
#include <grp.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

extern char **environ;

static char plain_copy[64], setid_copy[64]; /* copies of this program in /tmp */
static char root_file[64], user_file[64];   /* 0600 root's, 0400 uid 1000's */

/* "ruid,euid,suid,fsuid/rgid,egid,sgid,fsgid/ngroups/secure" of this process. */
static void ids_text(char *buf, size_t size)
{
    uid_t r, e, s;
    gid_t rg, eg, sg;
    getresuid(&r, &e, &s);
    getresgid(&rg, &eg, &sg);
    int fsu = setfsuid(-1), fsg = setfsgid(-1);
    snprintf(buf, size, "%u,%u,%u,%d/%u,%u,%u,%d/%d/%lu", r, e, s, fsu, rg, eg, sg, fsg,
             getgroups(0, NULL), getauxval(AT_SECURE));
}

static void check_ids(const char *name, const char *want)
{
    char got[128], why[300];
    ids_text(got, sizeof got);
    snprintf(why, sizeof why, "ids %s, expected %s", got, want);
    check(name, !strcmp(got, want), why);
}

static int resuid_is(uid_t r, uid_t e, uid_t s)
{
    uid_t a, b, c;
    return getresuid(&a, &b, &c) == 0 && a == r && b == e && c == s;
}

static int resgid_is(gid_t r, gid_t e, gid_t s)
{
    gid_t a, b, c;
    return getresgid(&a, &b, &c) == 0 && a == r && b == e && c == s;
}

static int fails_with(int rc, int err)
{
    return rc == -1 && errno == err;
}

/* Runs fn in a child and waits for it; the child's checks print their own lines. */
static void in_child(const char *name, void (*fn)(void))
{
    pid_t pid = fork();
    if (pid == 0) {
        fn();
        fflush(stdout);
        _exit(failed);
    }
    int st = 0;
    check(name, pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st),
          "the child failed");
}

/* Execs path in `show` mode, expecting the ids want there (returns only on failure). */
static void exec_show(const char *path, const char *name, const char *want)
{
    char *argv[] = {(char *)path, "show", (char *)name, (char *)want, NULL};
    execve(path, argv, environ);
    check(name, 0, "execve failed");
}

/* A copy of this program at dst, then owned by uid and gid with mode (chown first: it
 * clears set-id bits); 0 or -1. */
static int copy_self(const char *self, const char *dst, uid_t uid, gid_t gid, mode_t mode)
{
    static char buf[65536];
    int in = open(self, O_RDONLY), out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0700);
    long n = 0;
    int ok = in >= 0 && out >= 0;
    while (ok && (n = read(in, buf, sizeof buf)) > 0)
        ok = write(out, buf, (size_t)n) == n;
    ok = ok && n == 0;
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    return ok && chown(dst, uid, gid) == 0 && chmod(dst, mode) == 0 ? 0 : -1;
}

/* setresuid to nobody and back through the saved id; what an unprivileged process may
 * and may not do meanwhile. */
static void drop_and_back(void)
{
    check("setresgid-root", setresgid(65534, 65534, 0) == 0 && resgid_is(65534, 65534, 0),
          "setresgid(65534, 65534, 0)");
    check("setresuid-root", setresuid(65534, 65534, 0) == 0 && resuid_is(65534, 65534, 0),
          "setresuid(65534, 65534, 0)");
    check("getuid-geteuid",
          getuid() == 65534 && geteuid() == 65534 && getgid() == 65534 && getegid() == 65534,
          "not 65534");
    check("fsuid-follows-euid", setfsuid(-1) == 65534 && setfsgid(-1) == 65534, "fs ids");
    check("setgroups-unprivileged", fails_with(setgroups(0, NULL), EPERM), "not EPERM");
    check("getgroups-unprivileged", getgroups(0, NULL) == 3, "groups changed");
    check("setuid-other-eperm", fails_with(setuid(1234), EPERM), "not EPERM");
    check("setresuid-other-eperm", fails_with(setresuid(-1, 1234, -1), EPERM), "not EPERM");
    check("setreuid-other-eperm", fails_with(setreuid(1234, -1), EPERM), "not EPERM");
    check("setgid-other-eperm", fails_with(setgid(1234), EPERM), "not EPERM");
    check("setresuid-noop", setresuid(-1, -1, -1) == 0 && resuid_is(65534, 65534, 0), "no-op");
    check("ids-unchanged-after-eperm", resuid_is(65534, 65534, 0) && resgid_is(65534, 65534, 0),
          "ids changed");
    int a = setfsuid(1234), b = setfsuid(-1);
    check("setfsuid-unprivileged-refused", a == 65534 && b == 65534, "fsuid changed");
    a = setfsuid(0), b = setfsuid(-1);
    int c = setfsuid(65534);
    check("setfsuid-to-saved", a == 65534 && b == 0 && c == 0, "setfsuid(0)");
    check("setgid-to-saved", setgid(0) == 0 && resgid_is(65534, 0, 0), "setgid(0)");
    check("seteuid-back-via-saved", seteuid(0) == 0 && resuid_is(65534, 0, 0), "seteuid(0)");
    check("setgroups-privileged-again", setgroups(0, NULL) == 0 && getgroups(0, NULL) == 0,
          "setgroups");
}

/* All three uids nobody: root is gone for good; exec keeps the ids. */
static void drop_all(void)
{
    check("setresuid-all", setresuid(65534, 65534, 65534) == 0, "setresuid");
    check("setuid-0-after-drop", fails_with(setuid(0), EPERM), "not EPERM");
    check("seteuid-0-after-drop", fails_with(seteuid(0), EPERM), "not EPERM");
    check("setreuid-0-after-drop", fails_with(setreuid(-1, 0), EPERM), "not EPERM");
    check("setresuid-0-after-drop", fails_with(setresuid(0, -1, -1), EPERM), "not EPERM");
    check("setuid-own-after-drop", setuid(65534) == 0 && resuid_is(65534, 65534, 65534),
          "setuid(65534)");
    fflush(stdout);
    exec_show(plain_copy, "exec-keeps-dropped", "65534,65534,65534,65534/0,0,0,0/3/0");
}

/* setreuid's saved-id rule. */
static void reuid(void)
{
    check("setreuid-euid-sets-saved", setreuid(-1, 1000) == 0 && resuid_is(0, 1000, 1000),
          "setreuid(-1, 1000)");
    check("setreuid-back-keeps-saved", setreuid(-1, 0) == 0 && resuid_is(0, 0, 1000),
          "setreuid(-1, 0)");
    check("setreuid-both", setreuid(1000, 2000) == 0 && resuid_is(1000, 2000, 2000),
          "setreuid(1000, 2000)");
    check("setreuid-swap-unprivileged", setreuid(2000, 1000) == 0 && resuid_is(2000, 1000, 1000),
          "setreuid(2000, 1000)");
    check("setuid-unprivileged-to-real", setuid(2000) == 0 && resuid_is(2000, 2000, 1000),
          "setuid(2000)");
    check("setregid-unprivileged-eperm", fails_with(setregid(5, 5), EPERM), "not EPERM");
}

static void root_setuid(void)
{
    check("setuid-root-sets-all", setuid(1000) == 0 && resuid_is(1000, 1000, 1000), "setuid(1000)");
    check("setuid-0-refused", fails_with(setuid(0), EPERM), "not EPERM");
    check("setuid-invalid", fails_with(setuid(-1), EINVAL), "not EINVAL");
}

/* Linux's rule for signals: a sender that is not root reaches only processes whose real
 * or saved uid is its real or effective uid (SIGCONT: any of its session). */
static void signal_rules(void)
{
    pid_t parent = getppid();
    union sigval v = {0};
    check("kill-prepare", setresuid(65534, 65534, 65534) == 0, "setresuid");
    check("kill-root-eperm", fails_with(kill(parent, 0), EPERM), "not EPERM");
    check("sigqueue-root-eperm", fails_with(sigqueue(parent, 0, v), EPERM), "not EPERM");
    check("kill-sigcont-same-session", kill(parent, SIGCONT) == 0, "SIGCONT refused");
    check("kill-self", kill(getpid(), 0) == 0, "kill(self, 0)");
    check("kill-own-group", kill(0, 0) == 0, "kill(0, 0)");
}

static void *idle_thread(void *arg)
{
    int *fd = arg;
    char c;
    read(*fd, &c, 1); /* until the main thread is done */
    return NULL;
}

/* With a second thread: musl makes the call in every thread (and kills the process if
 * one fails after another succeeded); the ids are the process's. */
static void threaded(void)
{
    int p[2];
    pthread_t t;
    if (pipe(p) || pthread_create(&t, NULL, idle_thread, &p[0])) {
        check("threaded-start", 0, "pipe or pthread_create");
        return;
    }
    check("threaded-setgroups", setgroups(1, (gid_t[]){9}) == 0, "setgroups");
    check("threaded-setreuid", setreuid(-1, 1000) == 0 && resuid_is(0, 1000, 1000),
          "setreuid(-1, 1000)");
    check("threaded-setuid", setuid(0) == 0 && setuid(1000) == 0 && resuid_is(1000, 1000, 1000),
          "setuid");
    write(p[1], "x", 1);
    pthread_join(t, NULL);
    check_ids("threaded-ids", "1000,1000,1000,1000/0,0,0,0/1/0");
}

/* Opening checks the fs ids, access and faccessat the real ones (AT_EACCESS: the
 * effective ones, as the fs ids here). */
static void access_ids(void)
{
    check("access-prepare", setresuid(1000, 0, 0) == 0, "setresuid(1000, 0, 0)");
    int fd = open(root_file, O_RDONLY);
    check("open-by-fsuid-root", fd >= 0, "open");
    if (fd >= 0)
        close(fd);
    check("access-by-real-uid", fails_with(access(root_file, R_OK), EACCES), "not EACCES");
    check("faccessat-by-real-uid", fails_with(faccessat(AT_FDCWD, root_file, R_OK, 0), EACCES),
          "not EACCES");
    check("faccessat-eaccess", faccessat(AT_FDCWD, root_file, R_OK, AT_EACCESS) == 0,
          "AT_EACCESS refused");
    check("access-prepare-2", setresuid(-1, 2000, -1) == 0 && resuid_is(1000, 2000, 0),
          "seteuid(2000)");
    check("open-by-fsuid-other", fails_with(open(user_file, O_RDONLY), EACCES), "not EACCES");
    check("access-by-real-owner", access(user_file, R_OK) == 0, "refused");
    check("faccessat-eaccess-other",
          fails_with(faccessat(AT_FDCWD, user_file, R_OK, AT_EACCESS), EACCES), "not EACCES");
}

static volatile int usr1_uid = -1, chld_uid = -1;
static void on_usr1(int sig, siginfo_t *si, void *ctx)
{
    (void)sig, (void)ctx;
    usr1_uid = (int)si->si_uid;
}
static void on_chld(int sig, siginfo_t *si, void *ctx)
{
    (void)sig, (void)ctx;
    chld_uid = (int)si->si_uid;
}

/* Waits up to a second for *v to be set (a signal from another process). */
static int arrives(volatile int *v)
{
    for (int i = 0; i < 100 && *v < 0; i++)
        usleep(10000);
    return *v;
}

/* si_uid is the sender's real uid: raise, kill of itself, another process's kill, and
 * SIGCHLD (the child's). */
static void signal_uids(void)
{
    struct sigaction sa = {0};
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sa.sa_sigaction = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_sigaction = on_chld;
    sigaction(SIGCHLD, &sa, NULL);
    check("siguid-prepare", setresuid(5555, 0, 0) == 0, "setresuid(5555, 0, 0)");
    raise(SIGUSR1);
    check("raise-si-uid", usr1_uid == 5555, "not the real uid");
    usr1_uid = -1;
    kill(getpid(), SIGUSR1);
    check("kill-self-si-uid", usr1_uid == 5555, "not the real uid");
    usr1_uid = -1;
    pid_t pid = fork();
    if (pid == 0) /* its effective uid is the parent's real one: it may */
        _exit(setresuid(4444, 5555, 5555) || kill(getppid(), SIGUSR1));
    int st = -1;
    check("kill-other-child", waitpid(pid, &st, 0) == pid && st == 0, "child failed");
    check("kill-si-uid-sender-real", arrives(&usr1_uid) == 4444, "not the sender's real uid");
    check("sigchld-si-uid-child-real", arrives(&chld_uid) == 4444, "not the child's real uid");
    pid = fork();
    if (pid == 0)
        _exit(setresuid(4321, 4321, 4321) != 0);
    siginfo_t si = {0};
    check("waitid-si-uid-child-real",
          waitid(P_PID, (id_t)pid, &si, WEXITED) == 0 && si.si_pid == pid && si.si_uid == 4321 &&
              si.si_status == 0,
          "not the child's real uid");
}

/* Root signals a process that became nobody. */
static void root_kills_nobody(void)
{
    int p[2];
    char c = 0;
    if (pipe(p))
        return;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        if (setresuid(65534, 65534, 65534) == 0)
            write(p[1], "x", 1);
        for (;;)
            pause();
    }
    close(p[1]);
    int st = 0, ready = read(p[0], &c, 1) == 1;
    close(p[0]);
    check("kill-nobody-by-root",
          ready && kill(pid, SIGTERM) == 0 && waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) &&
              WTERMSIG(st) == SIGTERM,
          "not killed");
}

/* /proc/self/status's Uid: and Gid: lines (real, effective, saved, fs). */
static void status_ids(const char *name, const char *uid_line, const char *gid_line)
{
    char buf[4096];
    int fd = open("/proc/self/status", O_RDONLY);
    long n = 0, r;
    while (fd >= 0 && n < (long)sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
        n += r;
    if (fd >= 0)
        close(fd);
    buf[n] = 0;
    check(name, strstr(buf, uid_line) && strstr(buf, gid_line), "Uid:/Gid: lines");
}

/* Four different ids: fork and posix_spawn children inherit them, exec keeps them. */
static void distinct(void)
{
    check("setresgid-distinct", setresgid(100, 200, 300) == 0 && resgid_is(100, 200, 300),
          "setresgid");
    check("setresuid-distinct", setresuid(1000, 2000, 3000) == 0 && resuid_is(1000, 2000, 3000),
          "setresuid");
    check_ids("distinct-ids", "1000,2000,3000,2000/100,200,300,200/3/0");
    status_ids("proc-status-ids", "\nUid:\t1000\t2000\t3000\t2000\n",
               "\nGid:\t100\t200\t300\t200\n");
    pid_t pid = fork();
    if (pid == 0) {
        check_ids("fork-inherits", "1000,2000,3000,2000/100,200,300,200/3/0");
        _exit(failed);
    }
    int st = 0;
    check("fork-child", pid > 0 && waitpid(pid, &st, 0) == pid && st == 0, "child failed");
    /* posix_spawn: the child execs, so its saved ids become the effective ones */
    char *argv[] = {plain_copy, "show", "spawn-inherits", "1000,2000,2000,2000/100,200,200,200/3/1",
                    NULL};
    fflush(stdout);
    check("posix-spawn",
          posix_spawn(&pid, plain_copy, NULL, NULL, argv, environ) == 0 &&
              waitpid(pid, &st, 0) == pid && st == 0,
          "spawned child failed");
    /* POSIX_SPAWN_RESETIDS: the child (which shares this process's memory until it
     * execs) sets its effective ids to the real ones; this process keeps its own */
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_RESETIDS);
    char *argv2[] = {plain_copy, "show", "spawn-resetids",
                     "1000,1000,1000,1000/100,100,100,100/3/0", NULL};
    fflush(stdout);
    check("posix-spawn-resetids",
          posix_spawn(&pid, plain_copy, NULL, &at, argv2, environ) == 0 &&
              waitpid(pid, &st, 0) == pid && st == 0,
          "spawned child failed");
    posix_spawnattr_destroy(&at);
    check_ids("spawn-parent-keeps", "1000,2000,3000,2000/100,200,300,200/3/0");
    fflush(stdout);
    exec_show(plain_copy, "exec-saved-follows", "1000,2000,2000,2000/100,200,200,200/3/1");
}

/* A set-user-id and set-group-id file: its owner and group become the effective ids. */
static void setid_exec(void)
{
    check("setid-prepare",
          setgroups(0, NULL) == 0 && setresgid(1000, 1000, 1000) == 0 &&
              setresuid(1000, 1000, 1000) == 0,
          "dropping to 1000");
    char *argv[] = {setid_copy, "show", "setid-spawn",
                    "1000,4242,4242,4242/1000,4343,4343,4343/0/1", NULL};
    pid_t pid;
    int st = -1;
    fflush(stdout);
    check("setid-posix-spawn",
          posix_spawn(&pid, setid_copy, NULL, NULL, argv, environ) == 0 &&
              waitpid(pid, &st, 0) == pid && st == 0,
          "spawned child failed");
    fflush(stdout);
    exec_show(setid_copy, "setid-exec", "1000,4242,4242,4242/1000,4343,4343,4343/0/1");
}

static int pdeathsig_is(int want)
{
    int v = -1;
    return prctl(PR_GET_PDEATHSIG, &v) == 0 && v == want;
}

/* Execs path in `pdeath` mode with the parent-death signal set to SIGUSR1: whether the
 * new program has it (want 1) or not (want 0). */
static int pdeath_after_exec(const char *path, int want)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGUSR1);
        char *argv[] = {(char *)path, "pdeath", want ? "10" : "0", NULL};
        execve(path, argv, environ);
        _exit(2);
    }
    int st = -1;
    return pid > 0 && waitpid(pid, &st, 0) == pid && st == 0;
}

/* Which credential changes clear the parent-death signal (Linux's commit_creds and
 * secure exec), and which keep it. */
static void pdeath_creds(void)
{
    check("pdeathsig-kept-same-ids",
          prctl(PR_SET_PDEATHSIG, SIGUSR1) == 0 && setresuid(-1, -1, -1) == 0 && setuid(0) == 0 &&
              pdeathsig_is(SIGUSR1),
          "cleared");
    check("pdeathsig-cleared-by-fsuid",
          setfsuid(1234) == 0 && pdeathsig_is(0) && setfsuid(0) == 1234, "kept");
    check("pdeathsig-cleared-by-egid",
          prctl(PR_SET_PDEATHSIG, SIGUSR1) == 0 && setegid(5) == 0 && pdeathsig_is(0) &&
              setegid(0) == 0,
          "kept");
    check("pdeathsig-cleared-by-euid",
          prctl(PR_SET_PDEATHSIG, SIGUSR1) == 0 && seteuid(1000) == 0 && pdeathsig_is(0) &&
              seteuid(0) == 0,
          "kept");
    check("pdeathsig-kept-by-plain-exec", pdeath_after_exec(plain_copy, 1), "cleared");
    check("pdeathsig-cleared-by-setid-exec", pdeath_after_exec(setid_copy, 0), "kept");
}

/* ---- capabilities (capget, capset, the prctl options): bits 0..8 of each set are
 * compared (CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, FSETID, KILL, SETGID, SETUID,
 * SETPCAP), since a host's root may lack others (a container's bounding set) ---- */

#define C_CHOWN 0
#define C_DAC_OVERRIDE 1
#define C_DAC_READ_SEARCH 2
#define C_FOWNER 3
#define C_KILL 5
#define C_SETGID 6
#define C_SETUID 7
#define C_SETPCAP 8
#define C_LOW 0x1ffull
#define V3 0x20080522u
#define V1 0x19980330u

struct cap_hdr {
    uint32_t version;
    int pid;
};
struct cap_data {
    uint32_t eff, prm, inh;
};

static long capget_raw(uint32_t version, int pid, struct cap_data *d)
{
    struct cap_hdr h = {version, pid};
    return syscall(SYS_capget, &h, d);
}

/* The three sets of pid (0: this process), -1 on failure. */
static int caps_of(int pid, uint64_t *eff, uint64_t *prm, uint64_t *inh)
{
    struct cap_data d[2] = {{0}};
    if (capget_raw(V3, pid, d) != 0)
        return -1;
    *eff = d[0].eff | (uint64_t)d[1].eff << 32;
    *prm = d[0].prm | (uint64_t)d[1].prm << 32;
    *inh = d[0].inh | (uint64_t)d[1].inh << 32;
    return 0;
}

static long capset_raw(uint64_t eff, uint64_t prm, uint64_t inh)
{
    struct cap_hdr h = {V3, 0};
    struct cap_data d[2] = {{(uint32_t)eff, (uint32_t)prm, (uint32_t)inh},
                            {(uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32)}};
    return syscall(SYS_capset, &h, d);
}

/* "e=EFF p=PRM i=INH a=AMB b=BND k=KEEPCAPS n=NNP" (bits 0..8 in hex) of this process. */
static void caps_text(char *buf, size_t size)
{
    uint64_t e = 0, p = 0, i = 0, a = 0, b = 0;
    caps_of(0, &e, &p, &i);
    for (int c = 0; c <= 8; c++) {
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) == 1)
            a |= 1ull << c;
        if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
            b |= 1ull << c;
    }
    snprintf(buf, size, "e=%llx p=%llx i=%llx a=%llx b=%llx k=%d n=%d",
             (unsigned long long)(e & C_LOW), (unsigned long long)(p & C_LOW),
             (unsigned long long)(i & C_LOW), (unsigned long long)a, (unsigned long long)b,
             prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
}

static void check_caps(const char *name, const char *want)
{
    char got[128], why[300];
    caps_text(got, sizeof got);
    snprintf(why, sizeof why, "caps %s, expected %s", got, want);
    check(name, !strcmp(got, want), why);
}

/* Execs path in `capshow` mode, expecting caps and ids there (returns only on failure). */
static void exec_capshow(const char *path, const char *name, const char *caps, const char *ids)
{
    char *argv[] = {(char *)path, "capshow", (char *)name, (char *)caps, (char *)ids, NULL};
    fflush(stdout);
    execve(path, argv, environ);
    check(name, 0, "execve failed");
}

/* Clears caps from this process's effective set (-1 on failure). */
static int drop_eff(uint64_t caps)
{
    uint64_t e, p, i;
    return caps_of(0, &e, &p, &i) ? -1 : (int)capset_raw(e & ~caps, p, i);
}

/* capget and capset's interface, the reading prctl options and their errors. */
static void cap_calls(void)
{
    struct cap_hdr h = {0, 0};
    check("capget-version-probe", syscall(SYS_capget, &h, NULL) == 0 && h.version == V3,
          "not version 3");
    struct cap_data d[2] = {{0}};
    h.version = 12345;
    check("capget-bad-version",
          fails_with((int)syscall(SYS_capget, &h, d), EINVAL) && h.version == V3, "not EINVAL");
    check_caps("caps-root", "e=1ff p=1ff i=0 a=0 b=1ff k=0 n=0");
    check("capget-v1-low-word", capget_raw(V1, 0, d) == 0 && (d[0].eff & C_LOW) == C_LOW,
          "capget v1");
    check("capget-negative-pid", fails_with((int)capget_raw(V3, -1, d), EINVAL), "not EINVAL");
    uint64_t e = 0, p = 0, i = 0;
    check("capget-parent", caps_of(getppid(), &e, &p, &i) == 0 && (e & C_LOW) == C_LOW,
          "parent's sets");
    check("capget-no-such-pid", fails_with((int)capget_raw(V3, 999999, d), ESRCH), "not ESRCH");
    check("capbset-read-invalid", fails_with(prctl(PR_CAPBSET_READ, 64, 0, 0, 0), EINVAL),
          "not EINVAL");
    check("keepcaps-invalid", fails_with(prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0), EINVAL), "not EINVAL");
    check("nnp-get-args-invalid", fails_with(prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0), EINVAL),
          "not EINVAL");
    check("nnp-set-0-invalid", fails_with(prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0), EINVAL),
          "not EINVAL");
    check("ambient-invalid-cap",
          fails_with(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 64, 0, 0), EINVAL), "not EINVAL");
    check("ambient-invalid-op", fails_with(prctl(PR_CAP_AMBIENT, 9, 1, 0, 0), EINVAL),
          "not EINVAL");
    check("ambient-clear-args-invalid",
          fails_with(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 1, 0, 0), EINVAL),
          "not EINVAL");
    check("ambient-raise-not-inheritable",
          fails_with(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, C_SETUID, 0, 0), EPERM),
          "not EPERM");
    caps_of(0, &e, &p, &i);
    check("capset-unknown-bits-ignored", capset_raw(e, p | 1ull << 41, i) == 0, "capset");
    check("capset-inheritable", capset_raw(e, p, i | 1ull << C_SETUID | 1ull << C_KILL) == 0,
          "capset");
    check("ambient-raise", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, C_SETUID, 0, 0) == 0,
          "raise");
    check("ambient-raise-kill", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, C_KILL, 0, 0) == 0,
          "raise");
    check_caps("caps-ambient", "e=1ff p=1ff i=a0 a=a0 b=1ff k=0 n=0");
    check("ambient-lower", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, C_SETUID, 0, 0) == 0,
          "lower");
    check_caps("caps-ambient-lowered", "e=1ff p=1ff i=a0 a=20 b=1ff k=0 n=0");
    check("capset-inheritable-drop-lowers-ambient", capset_raw(e, p, 0) == 0, "capset");
    check_caps("caps-inheritable-dropped", "e=1ff p=1ff i=0 a=0 b=1ff k=0 n=0");
    struct cap_hdr other = {V3, getppid()};
    struct cap_data same[2] = {{(uint32_t)e, (uint32_t)p, 0},
                               {(uint32_t)(e >> 32), (uint32_t)(p >> 32), 0}};
    check("capset-other-pid-eperm", fails_with((int)syscall(SYS_capset, &other, same), EPERM),
          "not EPERM");
    check("capset-effective-beyond-permitted",
          fails_with((int)capset_raw(e, p & ~(1ull << C_KILL), i), EPERM), "not EPERM");
    check("capset-drop-permitted", capset_raw(e & ~(1ull << C_KILL), p & ~(1ull << C_KILL), 0) == 0,
          "capset");
    check("capset-permitted-back-eperm", fails_with((int)capset_raw(e, p, 0), EPERM), "not EPERM");
    check_caps("caps-kill-dropped", "e=1df p=1df i=0 a=0 b=1ff k=0 n=0");
    check("capbset-drop", prctl(PR_CAPBSET_DROP, C_KILL, 0, 0, 0) == 0, "drop");
    check("capbset-drop-invalid", fails_with(prctl(PR_CAPBSET_DROP, 64, 0, 0, 0), EINVAL),
          "not EINVAL");
    check_caps("caps-bounding-dropped", "e=1df p=1df i=0 a=0 b=1df k=0 n=0");
    check("capset-setpcap-dropped", drop_eff(1ull << C_SETPCAP) == 0, "capset");
    check("capbset-drop-without-setpcap",
          fails_with(prctl(PR_CAPBSET_DROP, C_CHOWN, 0, 0, 0), EPERM), "not EPERM");
    check("capset-inheritable-without-setpcap",
          fails_with((int)capset_raw(e & p & ~(1ull << C_KILL | 1ull << C_SETPCAP),
                                     p & ~(1ull << C_KILL), 1ull << C_KILL),
                     EPERM),
          "not EPERM");
    check("keepcaps-set", prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == 0, "set");
    /* exec as root: the permitted set is the bounding set again, effective follows;
     * KEEPCAPS is cleared */
    exec_capshow(plain_copy, "exec-root-caps", "e=1df p=1df i=0 a=0 b=1df k=0 n=0",
                 "0,0,0,0/0,0,0,0/3/0");
}

/* What the capabilities allow root that the mode bits do not (a root process that
 * dropped them is refused); user_file is uid 1000's, mode 0400. */
static void cap_checks(void)
{
    int fd = open(user_file, O_WRONLY);
    check("dac-override-writes", fd >= 0, "open for writing");
    if (fd >= 0)
        close(fd);
    check("drop-dac-override", drop_eff(1ull << C_DAC_OVERRIDE) == 0, "capset");
    check("no-dac-override-write-eacces", fails_with(open(user_file, O_WRONLY), EACCES),
          "not EACCES");
    fd = open(user_file, O_RDONLY);
    check("dac-read-search-reads", fd >= 0, "open for reading");
    if (fd >= 0)
        close(fd);
    check("drop-dac-read-search", drop_eff(1ull << C_DAC_READ_SEARCH) == 0, "capset");
    check("no-dac-read-eacces", fails_with(open(user_file, O_RDONLY), EACCES), "not EACCES");
    check("chmod-with-fowner", chmod(user_file, 0400) == 0, "chmod");
    check("drop-fowner", drop_eff(1ull << C_FOWNER) == 0, "capset");
    check("no-fowner-chmod-eperm", fails_with(chmod(user_file, 0400), EPERM), "not EPERM");
    check("drop-chown", drop_eff(1ull << C_CHOWN) == 0, "capset");
    check("no-chown-eperm", fails_with(chown(user_file, 5, -1), EPERM), "not EPERM");
    check("drop-setgid", drop_eff(1ull << C_SETGID) == 0, "capset");
    check("no-setgid-setgroups-eperm", fails_with(setgroups(0, NULL), EPERM), "not EPERM");
    check("no-setgid-setgid-eperm", fails_with(setgid(1000), EPERM), "not EPERM");
    check("drop-setuid", drop_eff(1ull << C_SETUID) == 0, "capset");
    check("no-setuid-setuid-eperm", fails_with(setuid(1000), EPERM), "not EPERM");
    check("no-setuid-setfsuid-refused", setfsuid(1000) == 0 && setfsuid(-1) == 0, "changed");
    uint64_t e, p, i;
    check("caps-back-from-permitted", caps_of(0, &e, &p, &i) == 0 && capset_raw(p, p, i) == 0,
          "capset");
    check("setuid-with-setuid-again", setresuid(-1, -1, -1) == 0 && setgid(0) == 0, "setgid");
}

/* Another uid (2000) in the sticky /tmp (through the ram_fs server in capix, which
 * checks the process's credentials too): root's and uid 1000's files are not its to
 * read, chmod, rename or remove; its own are. */
static void sticky_other_uid(void)
{
    char own[64], moved[64];
    snprintf(own, sizeof own, "/tmp/creds-2000-%d", getpid());
    snprintf(moved, sizeof moved, "/tmp/creds-moved-%d", getpid());
    check("sticky-drop-to-2000",
          setgroups(0, NULL) == 0 && setresgid(2000, 2000, 2000) == 0 &&
              setresuid(2000, 2000, 2000) == 0,
          "setresuid(2000, ...)");
    check("sticky-read-root-file-eacces", fails_with(open(root_file, O_RDONLY), EACCES),
          "not EACCES");
    check("sticky-chmod-other-eperm", fails_with(chmod(user_file, 0644), EPERM), "not EPERM");
    check("sticky-unlink-other-eperm", fails_with(unlink(user_file), EPERM), "not EPERM");
    check("sticky-unlink-root-eperm", fails_with(unlink(root_file), EPERM), "not EPERM");
    check("sticky-rename-other-eperm", fails_with(rename(user_file, moved), EPERM), "not EPERM");
    int fd = open(own, O_WRONLY | O_CREAT | O_EXCL, 0600);
    struct stat st;
    check("sticky-own-file",
          fd >= 0 && fstat(fd, &st) == 0 && st.st_uid == 2000 && st.st_gid == 2000,
          "create or owner");
    if (fd >= 0)
        close(fd);
    check("sticky-chmod-own", chmod(own, 0644) == 0, "chmod");
    check("sticky-unlink-own", unlink(own) == 0, "unlink");
    /* the open that creates a file is not checked against the new file's mode: mode 0
     * and O_RDWR give a working descriptor (shm_open(O_CREAT, 0) does this); a second
     * open of it is refused */
    fd = open(own, O_RDWR | O_CREAT | O_EXCL, 0);
    check("create-mode-0-opens", fd >= 0 && write(fd, "x", 1) == 1, "open or write");
    if (fd >= 0)
        close(fd);
    check("create-mode-0-reopen-eacces", fails_with(open(own, O_RDONLY), EACCES), "not EACCES");
    unlink(own);
}

/* CAP_KILL: root without it may signal only processes of its uids. */
static void cap_kill(void)
{
    int p[2];
    char c = 0;
    if (pipe(p))
        return;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        if (setresuid(65534, 65534, 65534) == 0)
            write(p[1], "x", 1);
        for (;;)
            pause();
    }
    close(p[1]);
    int ready = read(p[0], &c, 1) == 1;
    close(p[0]);
    check("kill-other-uid-with-cap-kill", ready && kill(pid, 0) == 0, "refused");
    check("drop-cap-kill", drop_eff(1ull << C_KILL) == 0, "capset");
    check("kill-other-uid-without-cap-kill", fails_with(kill(pid, 0), EPERM), "not EPERM");
    check("kill-own-uid-without-cap-kill", kill(getppid(), 0) == 0, "refused");
    uint64_t e, p2, i;
    int st = 0;
    check("cap-kill-back",
          caps_of(0, &e, &p2, &i) == 0 && capset_raw(p2, p2, i) == 0 && kill(pid, SIGKILL) == 0 &&
              waitpid(pid, &st, 0) == pid,
          "child not killed");
}

/* How the uid changes move the sets (Linux's cap_emulate_setxuid, setfsuid's fs set). */
static void cap_setuid(void)
{
    check("seteuid-nonroot", seteuid(1000) == 0, "seteuid");
    check_caps("caps-euid-nonroot", "e=0 p=1ff i=0 a=0 b=1ff k=0 n=0");
    check("seteuid-root-again", seteuid(0) == 0, "seteuid");
    check_caps("caps-euid-root-again", "e=1ff p=1ff i=0 a=0 b=1ff k=0 n=0");
    check("setfsuid-nonroot", setfsuid(1000) == 0, "setfsuid");
    check_caps("caps-fsuid-nonroot", "e=1e0 p=1ff i=0 a=0 b=1ff k=0 n=0");
    check("setfsuid-root-again", setfsuid(0) == 1000, "setfsuid");
    check_caps("caps-fsuid-root-again", "e=1ff p=1ff i=0 a=0 b=1ff k=0 n=0");
    check("keepcaps-on", prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == 0, "set");
    check("setresuid-all-keepcaps", setresuid(1000, 1000, 1000) == 0, "setresuid");
    check_caps("caps-keepcaps-kept", "e=0 p=1ff i=0 a=0 b=1ff k=1 n=0");
    uint64_t e, p, i;
    check("capset-effective-after-keepcaps",
          caps_of(0, &e, &p, &i) == 0 && capset_raw(p, p, i) == 0, "capset");
    check("setresgid-with-kept-setgid", setresgid(1000, 1000, 1000) == 0, "setresgid");
    check("setgroups-with-kept-setgid", setgroups(0, NULL) == 0, "setgroups");
    exec_capshow(plain_copy, "exec-nonroot-caps", "e=0 p=0 i=0 a=0 b=1ff k=0 n=0",
                 "1000,1000,1000,1000/1000,1000,1000,1000/0/0");
}

/* Without KEEPCAPS, leaving root clears permitted; ambient capabilities survive an
 * exec as non-root. */
static void cap_drop_root(void)
{
    uint64_t e, p, i;
    caps_of(0, &e, &p, &i);
    check("ambient-prepare",
          capset_raw(e, p, 1ull << C_KILL) == 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == 0 &&
              prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, C_KILL, 0, 0) == 0,
          "ambient");
    check("setresuid-keeps-no-ambient", setresuid(1000, 1000, 1000) == 0, "setresuid");
    check_caps("caps-ambient-cleared-by-setuid", "e=0 p=1ff i=20 a=0 b=1ff k=1 n=0");
    check("ambient-raise-again",
          capset_raw(1ull << C_KILL, p, 1ull << C_KILL) == 0 &&
              prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, C_KILL, 0, 0) == 0,
          "raise");
    exec_capshow(plain_copy, "exec-ambient-kept", "e=20 p=20 i=20 a=20 b=1ff k=0 n=0",
                 "1000,1000,1000,1000/0,0,0,0/3/0");
}

static void cap_plain_drop(void)
{
    check("setuid-drops-all", setuid(1000) == 0, "setuid");
    check_caps("caps-after-setuid", "e=0 p=0 i=0 a=0 b=1ff k=0 n=0");
}

/* no_new_privs: inherited, kept across exec, and set-id bits do nothing under it. */
static void nnp(void)
{
    check("nnp-set", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, "set");
    check("nnp-get", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1, "not 1");
    check("nnp-set-again", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, "set");
    pid_t pid = fork();
    if (pid == 0)
        _exit(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 1);
    int st = -1;
    check("nnp-inherited-by-fork", waitpid(pid, &st, 0) == pid && st == 0, "not inherited");
    check("nnp-drop-to-1000",
          setgroups(0, NULL) == 0 && setresgid(1000, 1000, 1000) == 0 &&
              setresuid(1000, 1000, 1000) == 0,
          "dropping to 1000");
    exec_capshow(setid_copy, "nnp-setid-ignored", "e=0 p=0 i=0 a=0 b=1ff k=0 n=1",
                 "1000,1000,1000,1000/1000,1000,1000,1000/0/0");
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "pdeath"))
        return pdeathsig_is(atoi(argv[2])) ? 0 : 1;
    if (argc == 4 && !strcmp(argv[1], "show")) {
        check_ids(argv[2], argv[3]);
        return failed;
    }
    if (argc == 5 && !strcmp(argv[1], "capshow")) {
        char name[128];
        check_caps(argv[2], argv[3]);
        snprintf(name, sizeof name, "%s-ids", argv[2]);
        check_ids(name, argv[4]);
        return failed;
    }
    if (getuid() != 0 || geteuid() != 0) {
        printf("FAIL root: this test starts as root (uid 0)\n");
        return 1;
    }
    char got[128];
    ids_text(got, sizeof got); /* the host's root may start with groups */
    check("root-ids", !strncmp(got, "0,0,0,0/0,0,0,0/", 16), got);
    char self[256];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = 0;
    snprintf(plain_copy, sizeof plain_copy, "/tmp/creds-plain-%d", getpid());
    snprintf(setid_copy, sizeof setid_copy, "/tmp/creds-setid-%d", getpid());
    check("copies",
          n > 0 && copy_self(self, plain_copy, 0, 0, 0755) == 0 &&
              copy_self(self, setid_copy, 4242, 4343, 06755) == 0,
          "cannot copy this program to /tmp");
    struct stat st;
    snprintf(root_file, sizeof root_file, "/tmp/creds-root-%d", getpid());
    snprintf(user_file, sizeof user_file, "/tmp/creds-user-%d", getpid());
    int f1 = open(root_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int f2 = open(user_file, O_WRONLY | O_CREAT | O_TRUNC, 0400);
    check("files", f1 >= 0 && f2 >= 0 && fchown(f2, 1000, 1000) == 0, "cannot make them");
    close(f1);
    close(f2);
    check("setid-mode-kept",
          stat(setid_copy, &st) == 0 && (st.st_mode & 07777) == 06755 && st.st_uid == 4242 &&
              st.st_gid == 4343,
          "mode or owner");

    check("setgroups-root", setgroups(0, NULL) == 0, "setgroups(0)");
    check("getgroups-empty", getgroups(0, NULL) == 0, "not 0");
    gid_t g[3] = {5, 3, 4}, out[4] = {0};
    check("setgroups-three", setgroups(3, g) == 0, "setgroups(3)");
    check("getgroups-count", getgroups(0, NULL) == 3, "not 3");
    check("getgroups-too-small", fails_with(getgroups(2, out), EINVAL), "not EINVAL");
    check("getgroups-negative", fails_with(getgroups(-1, out), EINVAL), "not EINVAL");
    check("getgroups-sorted",
          getgroups(4, out) == 3 && out[0] == 3 && out[1] == 4 && out[2] == 5 && out[3] == 0,
          "not 3 4 5");
    gid_t bad[2] = {7, (gid_t)-1};
    check("setgroups-invalid-gid", fails_with(setgroups(2, bad), EINVAL), "not EINVAL");
    check("setgroups-too-many", fails_with(setgroups(65537, out), EINVAL), "not EINVAL");
    check("getgroups-kept", getgroups(0, NULL) == 3, "groups changed");

    int a = setfsuid(-1), b = setfsuid(1234), c = setfsuid(-1), d = setfsuid(0);
    check("setfsuid-root", a == 0 && b == 0 && c == 1234 && d == 1234 && setfsuid(-1) == 0,
          "setfsuid");
    a = setfsgid(77), b = setfsgid(-1), c = setfsgid(0);
    check("setfsgid-root", a == 0 && b == 77 && c == 77 && setfsgid(-1) == 0, "setfsgid");

    in_child("drop-and-back", drop_and_back);
    in_child("drop-all", drop_all);
    in_child("setreuid", reuid);
    in_child("root-setuid", root_setuid);
    in_child("distinct", distinct);
    in_child("setid", setid_exec);
    in_child("signal-rules", signal_rules);
    in_child("threaded", threaded);
    in_child("access", access_ids);
    in_child("signal-uids", signal_uids);
    in_child("pdeathsig-creds", pdeath_creds);
    in_child("cap-calls", cap_calls);
    in_child("cap-checks", cap_checks);
    in_child("cap-kill", cap_kill);
    in_child("cap-setuid", cap_setuid);
    in_child("cap-drop-root", cap_drop_root);
    in_child("cap-plain-drop", cap_plain_drop);
    in_child("no-new-privs", nnp);
    in_child("sticky-other-uid", sticky_other_uid);
    root_kills_nobody();
    check_ids("parent-unchanged", "0,0,0,0/0,0,0,0/3/0");
    unlink(plain_copy);
    unlink(setid_copy);
    unlink(root_file);
    unlink(user_file);
    return failed;
}

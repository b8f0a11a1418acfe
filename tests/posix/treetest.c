/*
 * treetest: checks of a program that the config gives its own file tree (scenario
 * sandbox-trees, docs/sandboxes.md). The scenario's shell runs it in several ways; it
 * prints one PASS or FAIL line per check.
 *
 *   treetest check           in its own tree (/tmp, /root, /dev, /proc): nothing outside
 *                            is reachable, by path, `..`, symlink, inherited descriptor
 *                            (3: opened by the shell outside the tree; 4: inside it) or
 *                            /proc/self/fd; the launcher took the other sessions' buffers
 *                            and the boot archive away; a program whose tree would name a
 *                            session this one lost cannot be executed
 *   treetest check-spawned   the same, shorter, when started by posix_spawn
 *   treetest spawn PATH ARGS posix_spawn PATH with ARGS, wait, exit with its status
 *   treetest wide            in a tree with the whole read-only tree: /etc/passwd reads
 *   treetest pass SOCK       connects to SOCK and sends a file of /x (a session of its
 *                            own: its tree names a label the shell's does not) and then
 *                            /tmp/in.txt with SCM_RIGHTS
 *   treetest receive SOCK    binds SOCK: the first file, of a session it does not hold
 *                            (it opened its own for /x), is not installed (MSG_CTRUNC);
 *                            the second, of the /tmp session both hold, is
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "passfd.h"

extern char **environ;

/* capix's runtime layout (lib/include/capix/posix_protocol.h): where the boot archive and the
 * session buffers are mapped in every process */
#define ARCHIVE_ADDR 0x40000000ul
#define SESSIONS_BASE 0x2d000000ul
#define SESSION_BYTES (17 * 4096ul)
#define MAX_SESSIONS 32

static int failures;
static const char *who = "treetest";

static void check(const char *name, int ok, const char *detail)
{
    printf("%s %s_%s%s%s\n", ok ? "PASS" : "FAIL", who, name, detail && !ok ? ": " : "",
           detail && !ok ? detail : "");
    fflush(stdout);
    failures += !ok;
}

/* open(path) must fail with ENOENT: the name does not exist in this tree */
static void unreachable(const char *name, const char *path)
{
    int fd = open(path, O_RDONLY);
    char detail[128];
    snprintf(detail, sizeof(detail), "open %s: %s", path, fd >= 0 ? "opened" : strerror(errno));
    check(name, fd < 0 && errno == ENOENT, detail);
    if (fd >= 0)
        close(fd);
}

static sigjmp_buf probe_env;

static void on_segv(int sig)
{
    (void)sig;
    siglongjmp(probe_env, 1);
}

/* 1 if the byte at addr can be read */
static int readable(uintptr_t addr)
{
    struct sigaction sa = {.sa_handler = on_segv}, old;
    sigaction(SIGSEGV, &sa, &old);
    if (sigsetjmp(probe_env, 1)) {
        sigaction(SIGSEGV, &old, NULL);
        return 0;
    }
    (void)*(volatile const char *)addr;
    sigaction(SIGSEGV, &old, NULL);
    return 1;
}

static void common_checks(void)
{
    unreachable("outside_by_path", "/etc/passwd");
    unreachable("outside_by_dotdot", "/tmp/../etc/passwd");
    unreachable("outside_by_dotdot_home", "/root/../../etc/passwd");
    unreachable("outside_by_symlink", "/tmp/link-out");
    unreachable("outside_by_relative_symlink", "/tmp/link-rel");
    unreachable("boot_archive_by_path", "/capix/bin/hello");
    char buf[64];
    errno = 0;
    ssize_t n = read(3, buf, sizeof(buf));
    snprintf(buf, sizeof(buf), "read(3) gave %zd (%s)", n, strerror(errno));
    check("inherited_outside_closed", n < 0 && errno == EBADF, buf);
    unreachable("inherited_outside_by_proc", "/proc/self/fd/3");
    check("boot_archive_unmapped", !readable(ARCHIVE_ADDR), "the boot archive is mapped");
}

static int check_main(int spawned)
{
    who = spawned ? "spawned" : "treetest";
    common_checks();
    if (spawned)
        return failures ? 1 : 0;
    char buf[64] = "";
    ssize_t n = read(4, buf, sizeof(buf) - 1);
    check("inherited_inside_kept", n == 7 && !memcmp(buf, "inside\n", 7), "fd 4 did not read");
    int fd = open("/tmp/in.txt", O_RDONLY);
    n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
    check("inside_by_path", n == 7, "/tmp/in.txt did not read");
    if (fd >= 0)
        close(fd);
    fd = open("/root/out.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    check("home_writable", fd >= 0 && write(fd, "from treetest\n", 14) == 14, strerror(errno));
    if (fd >= 0)
        close(fd);
    /* the launcher left this process the buffers of its two sessions (tmp and home) and
     * unmapped every other */
    int mapped = 0;
    for (unsigned i = 0; i < MAX_SESSIONS; i++)
        mapped += readable(SESSIONS_BASE + i * SESSION_BYTES);
    snprintf(buf, sizeof(buf), "%d session buffers mapped", mapped);
    check("two_session_buffers", mapped == 2, buf);
    /* a fork child is as narrow as its parent */
    pid_t pid = fork();
    if (pid == 0) {
        who = "child";
        unreachable("outside_by_path", "/etc/passwd");
        check("boot_archive_unmapped", !readable(ARCHIVE_ADDR), "the boot archive is mapped");
        _exit(failures ? 1 : 0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    check("fork_child_narrow", WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child failed");
    /* /tmp/wide's tree names the read-only tree, which this process no longer holds: the
     * launcher refuses the session, so the exec fails and this program goes on */
    char *argv[] = {"wide", "wide", NULL};
    execve("/tmp/wide", argv, environ);
    snprintf(buf, sizeof(buf), "execve: %s", strerror(errno));
    check("wider_exec_refused", errno == EACCES, buf);
    return failures ? 1 : 0;
}

static socklen_t sock_addr(struct sockaddr_un *a, const char *path)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    strncpy(a->sun_path, path, sizeof a->sun_path - 1);
    return (socklen_t)sizeof *a;
}

/* treetest pass SOCK: the sender (its own tree, with /x of its own session 'scratch'). */
static int pass_main(char **argv)
{
    who = "sender";
    struct sockaddr_un a;
    socklen_t len = sock_addr(&a, argv[2]);
    int s = socket(AF_UNIX, SOCK_STREAM, 0), r = -1;
    for (int i = 0; i < 500 && r; i++) /* the receiver binds first */
        if ((r = connect(s, (struct sockaddr *)&a, len)))
            usleep(10000);
    int own = open("/x/own.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
    int in = open("/tmp/in.txt", O_RDONLY), mf;
    check("sends_own_session_file", r == 0 && own >= 0 && pass_fd(s, own, &mf) == 0,
          strerror(errno));
    check("sends_shared_session_file", r == 0 && in >= 0 && pass_fd(s, in, &mf) == 0,
          strerror(errno));
    char c;
    check("receiver_done", read(s, &c, 1) == 1 && c == 'k', "no answer");
    return failures ? 1 : 0;
}

/* treetest receive SOCK: the receiver (the same tree, its own session 'scratch'). */
static int receive_main(char **argv)
{
    struct sockaddr_un a;
    socklen_t len = sock_addr(&a, argv[2]);
    int l = socket(AF_UNIX, SOCK_STREAM, 0), mf = 0;
    unlink(argv[2]);
    if (bind(l, (struct sockaddr *)&a, len) || listen(l, 1)) {
        check("bind", 0, strerror(errno));
        return 1;
    }
    int s = accept(l, NULL, NULL);
    int own = pass_fd(s, -1, &mf);
    check("received_other_session_refused", own < 0 && (mf & MSG_CTRUNC),
          "a file of a session it does not hold was installed");
    int in = pass_fd(s, -1, &mf);
    char buf[16] = {0};
    check("received_shared_session",
          in >= 0 && read(in, buf, sizeof buf) == 7 && !memcmp(buf, "inside", 6),
          "the file of /tmp");
    if (write(s, "k", 1) != 1)
        check("answer", 0, strerror(errno));
    unlink(argv[2]);
    return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 2 && !strcmp(argv[1], "check"))
        return check_main(0);
    if (argc >= 2 && !strcmp(argv[1], "check-spawned"))
        return check_main(1);
    if (argc >= 3 && !strcmp(argv[1], "spawn")) {
        pid_t pid;
        int err = posix_spawn(&pid, argv[2], NULL, NULL, argv + 2, environ);
        if (err) {
            printf("FAIL spawn: %s\n", strerror(err));
            return 1;
        }
        int st = 0;
        waitpid(pid, &st, 0);
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    if (argc >= 3 && !strcmp(argv[1], "pass"))
        return pass_main(argv);
    if (argc >= 3 && !strcmp(argv[1], "receive")) {
        who = "receiver";
        return receive_main(argv);
    }
    if (argc >= 2 && !strcmp(argv[1], "wide")) {
        who = "wide";
        int fd = open("/etc/passwd", O_RDONLY);
        check("reads_rootfs", fd >= 0, strerror(errno));
        DIR *d = opendir("/");
        int entries = 0;
        errno = 0;
        while (d && readdir(d))
            entries++;
        char detail[96];
        snprintf(detail, sizeof(detail), "%d entries in /, errno %s", entries, strerror(errno));
        check("lists_root", d && errno == 0 && entries >= 4, detail);
        if (d)
            closedir(d);
        unreachable("no_home", "/root/out.txt");
        return failures ? 1 : 0;
    }
    fprintf(stderr, "usage: treetest check | check-spawned | spawn PATH ARGS | wide | pass SOCK | "
                    "receive SOCK\n");
    return 2;
}

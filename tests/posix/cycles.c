/*
 * cycles: runs one kind of short-lived program many times in one boot and checks that
 * everything it used is given back when it ends (issue 23; scenarios leaks, leaks-long).
 *
 *   cycles KIND N [DIR]   runs `cycles one KIND DIR` N times (fork + execve + wait), then
 *                         compares the figures with theirs after a warm-up run: the
 *                         sandbox's quota used (sysinfo: the kernel's figure) and, from
 *                         statfs of DIR (taken by a child, so that the driver holds no
 *                         session of its own), the session's quota rest, the server's
 *                         own quota left (a ram file system's f_ffree, in pages) and its
 *                         node count (f_files - f_ffree); all must be back exactly,
 *                         or, if not, after N more runs to where the first N left
 *                         them (a high-water mark such as a server heap's step is
 *                         reached once; a leak takes again)
 *   cycles all N [DIR]    every kind below but pty, one after the other
 *   cycles one KIND DIR   one program of KIND:
 *     shm      opens a file in DIR (/dev/shm), maps it MAP_SHARED, forks a child that
 *              writes through the mapping, checks what it wrote, unlinks the file and
 *              ends with the mapping and the descriptor (the child's too)
 *     shmsem   shm_open and sem_open (the MAP_SHARED file musl makes by link) and a
 *              child that outlives its parent, holding both
 *     pipe     a pipe to a fork child, 16 KiB through it
 *     pty      /dev/ptmx when there is one (else /dev/tty or /dev/null), a child on it
 *     session  setsid in a fork child, a process group, kill of the group
 *     timer    timer_create + timer_settime (fires), setitimer, left armed at exit, in a
 *              fork child too
 *     thread   threads that start, wait on a condition and end; one left at exit
 *     unix     AF_UNIX: a socketpair to a fork child, a named listener in DIR that a
 *              fork child connects to (16 KiB through it), and a child killed while it
 *              holds a connection: the other end sees end of file (libc/unix.c)
 *     kill     fork children that each open a file in DIR, write a page to it and
 *              stat DIR, then are killed (SIGKILL) after the file was removed: this
 *              process still holds DIR's session, yet DIR's figures (the session's
 *              blocks free, the nodes) must be back after each child where they were
 *              after the first (the launcher's FS_GONE)
 *     exe      twice: a copy of this program in DIR run by a child to its exit, and by
 *              another that is killed while it runs, then removed; the copy can be
 *              opened for writing at once after each (no ETXTBSY left behind), and
 *              DIR's figures after the second are those after the first (until this
 *              session's vfs_fs_exit, each run left references in the server, and its
 *              quota dropped by a heap step after 12 to 24 runs)
 *     passfile a file in DIR, removed while open, passed with SCM_RIGHTS to a fork
 *              child three times: received and read, received by a read (closed at
 *              once), and received with no room (MSG_CTRUNC); the sender closes its own
 *              while the first is in flight: DIR's figures come back when the child ends;
 *              then an eventfd and /dev/null, received and closed, and given back
 *     nop      says it runs (a byte on descriptor DIR) and ends; wait: says it and
 *              waits to be killed (what exe runs)
 *
 * The driver reaps every child (it may be pid 1, the orphans' parent). Prints the figures
 * every N/4 runs and one "PASS name" or "FAIL name: why" line per kind; exits 0 iff all
 * passed. The figures are capix's (sysinfo reports the sandbox's quota there): on Linux
 * the runs work too but the figures move with the rest of the machine.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *self = "/proc/self/exe";

static int one_shm(const char *dir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/cycles-%d", dir, (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return 10;
    if (ftruncate(fd, 8192))
        return 11;
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED)
        return 12;
    m[0] = 'p'; /* fd stays open: the child inherits it, both end with it open */
    pid_t c = fork();
    if (c < 0)
        return 13;
    if (c == 0) {
        m[1] = 'c';
        m[4096] = 'C';
        _exit(m[0] == 'p' ? 0 : 1);
    }
    int st;
    if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
        return 14;
    if (m[1] != 'c' || m[4096] != 'C')
        return 15;
    if (unlink(path))
        return 16;
    return 0; /* ends with the mapping: the exit unmaps it */
}

/* shm_open and sem_open (a MAP_SHARED file made by link), a child that outlives its
 * parent holding both */
static int one_shmsem(void)
{
    char name[64], sname[64];
    snprintf(name, sizeof name, "/cycles-%d", (int)getpid());
    snprintf(sname, sizeof sname, "/cycles-sem-%d", (int)getpid());
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || ftruncate(fd, 3 * 4096))
        return 10;
    char *m = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    sem_t *sem = sem_open(sname, O_CREAT | O_EXCL, 0600, 0);
    if (m == MAP_FAILED || sem == SEM_FAILED)
        return 11;
    pid_t c = fork();
    if (c < 0)
        return 12;
    if (c == 0) {
        m[8192] = 'c';
        sem_post(sem);
        usleep(2000); /* ends after its parent */
        _exit(0);
    }
    if (sem_wait(sem) || m[8192] != 'c')
        return 13;
    if (shm_unlink(name) || sem_unlink(sname))
        return 14;
    return 0;
}

static int one_pipe(void)
{
    int p[2];
    char buf[4096];
    if (pipe(p))
        return 10;
    pid_t c = fork();
    if (c < 0)
        return 11;
    if (c == 0) {
        close(p[0]);
        memset(buf, 'x', sizeof buf);
        for (int i = 0; i < 4; i++)
            if (write(p[1], buf, sizeof buf) != (ssize_t)sizeof buf)
                _exit(1);
        _exit(0);
    }
    close(p[1]);
    size_t got = 0;
    ssize_t r;
    while ((r = read(p[0], buf, sizeof buf)) > 0)
        got += (size_t)r;
    close(p[0]);
    int st;
    if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st) || got != 4 * sizeof buf)
        return 12;
    return 0;
}

static int one_pty(void)
{
    int fd = open("/dev/ptmx", O_RDWR | O_NOCTTY);
    if (fd < 0)
        fd = open("/dev/tty", O_RDWR | O_NOCTTY);
    if (fd < 0)
        fd = open("/dev/null", O_RDWR);
    if (fd < 0)
        return 10;
    pid_t c = fork();
    if (c < 0)
        return 11;
    if (c == 0) {
        _exit(isatty(fd) || errno == ENOTTY ? 0 : 1);
    }
    int st;
    if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
        return 12;
    close(fd);
    return 0;
}

static int one_session(void)
{
    pid_t c = fork();
    if (c < 0)
        return 10;
    if (c == 0) {
        if (setsid() < 0)
            _exit(1);
        pid_t g = fork();
        if (g == 0) {
            pause();
            _exit(2);
        }
        if (g < 0 || (setpgid(g, g) < 0 && errno != EACCES))
            _exit(3);
        if (kill(-g, SIGTERM))
            _exit(4);
        int st;
        if (waitpid(g, &st, 0) != g || !WIFSIGNALED(st))
            _exit(5);
        _exit(0);
    }
    int st;
    if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
        return 11;
    return 0;
}

static volatile sig_atomic_t fired;
static void on_alarm(int sig)
{
    (void)sig;
    fired++;
}

static int one_timer(void)
{
    struct sigaction sa = {.sa_handler = on_alarm};
    sigaction(SIGALRM, &sa, NULL);
    timer_t t;
    struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM};
    if (timer_create(CLOCK_MONOTONIC, &ev, &t))
        return 10;
    struct itimerspec its = {.it_value = {0, 1000000}};
    if (timer_settime(t, 0, &its, NULL))
        return 11;
    while (!fired)
        pause();
    struct itimerval iv = {.it_value = {0, 1000}};
    if (setitimer(ITIMER_REAL, &iv, NULL))
        return 12;
    while (fired < 2)
        pause();
    pid_t c = fork();
    if (c < 0)
        return 13;
    if (c == 0) {
        timer_t t2;
        if (timer_create(CLOCK_REALTIME, &ev, &t2))
            _exit(1);
        struct itimerspec long_one = {.it_value = {100, 0}};
        _exit(timer_settime(t2, 0, &long_one, NULL) ? 2 : 0); /* ends armed */
    }
    int st;
    if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
        return 14;
    struct itimerspec long_one = {.it_value = {100, 0}};
    timer_settime(t, 0, &long_one, NULL); /* this process ends with it armed too */
    return 0;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int go;

static void *worker(void *arg)
{
    pthread_mutex_lock(&lock);
    while (!go)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    return arg;
}

static void *detached(void *arg)
{
    return arg;
}

static int one_thread(void)
{
    pthread_t t[4], d;
    for (int i = 0; i < 4; i++)
        if (pthread_create(&t[i], NULL, worker, NULL))
            return 10;
    if (pthread_create(&d, NULL, detached, NULL) || pthread_detach(d))
        return 11;
    pthread_mutex_lock(&lock);
    go = 1;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < 3; i++) /* the fourth is still there at exit */
        if (pthread_join(t[i], NULL))
            return 12;
    return 0;
}

static int one_unix(const char *dir)
{
    int sv[2];
    char buf[4096];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
        return 10;
    pid_t c = fork();
    if (c == 0)
        _exit(write(sv[1], "x", 1) == 1 ? 0 : 1);
    close(sv[1]);
    if (c < 0 || read(sv[0], buf, 1) != 1)
        return 11;
    close(sv[0]);
    /* a child killed while it holds a pair's end: the other end sees end of file (forked
     * before any lookup in DIR: a killed fork child keeps the server nodes its parent's
     * VFS held, whatever they are) */
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
        return 15;
    pid_t k = fork();
    if (k == 0) {
        pause();
        _exit(0);
    }
    close(sv[1]);
    kill(k, SIGKILL);
    int st2;
    if (k < 0 || read(sv[0], buf, 1) != 0 || waitpid(k, &st2, 0) != k)
        return 16;
    close(sv[0]);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s/unix.%d", dir, (int)getpid());
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 2))
        return 12;
    pid_t w = fork();
    if (w == 0) {
        int s = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(s, (struct sockaddr *)&a, sizeof a))
            _exit(1);
        memset(buf, 'x', sizeof buf);
        for (int i = 0; i < 4; i++)
            if (write(s, buf, sizeof buf) != (ssize_t)sizeof buf)
                _exit(2);
        _exit(0);
    }
    size_t got = 0;
    int s = accept(l, NULL, NULL);
    if (s < 0)
        return 13;
    ssize_t r;
    while ((r = read(s, buf, sizeof buf)) > 0)
        got += (size_t)r;
    close(s);
    close(l);
    unlink(a.sun_path);
    int st1;
    if (waitpid(w, &st1, 0) != w || waitpid(c, &st1, 0) != c || got != 4 * sizeof buf)
        return 14;
    return 0;
}

/* One descriptor with one byte over s. */
static int send_one_fd(int s, int fd)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    struct iovec iov = {"f", 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    m.msg_control = u.buf;
    m.msg_controllen = sizeof u.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    return sendmsg(s, &m, 0) == 1 ? 0 : -1;
}

static int one_passfile(const char *dir)
{
    char path[256], buf[4096];
    snprintf(path, sizeof path, "%s/passfile-%d", dir, (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600), sv[2];
    memset(buf, 'p', sizeof buf);
    if (fd < 0 || write(fd, buf, sizeof buf) != (ssize_t)sizeof buf || unlink(path) ||
        lseek(fd, 0, SEEK_SET) || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
        return 10;
    pid_t c = fork();
    if (c == 0) {
        union {
            char buf[CMSG_SPACE(sizeof(int))];
            struct cmsghdr align;
        } u;
        char b;
        struct iovec iov = {&b, 1};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
        m.msg_control = u.buf;
        m.msg_controllen = sizeof u.buf;
        struct cmsghdr *cm;
        int got = -1;
        if (recvmsg(sv[1], &m, 0) != 1 || !(cm = CMSG_FIRSTHDR(&m)))
            _exit(1);
        memcpy(&got, CMSG_DATA(cm), sizeof got);
        if (read(got, buf, sizeof buf) != (ssize_t)sizeof buf || buf[0] != 'p')
            _exit(2);
        if (read(sv[1], &b, 1) != 1) /* the second: closed at once */
            _exit(3);
        m.msg_control = NULL, m.msg_controllen = 0; /* the third: no room */
        if (recvmsg(sv[1], &m, 0) != 1 || !(m.msg_flags & MSG_CTRUNC))
            _exit(4);
        m.msg_control = u.buf, m.msg_controllen = sizeof u.buf; /* an eventfd: add one */
        uint64_t one = 1;
        if (recvmsg(sv[1], &m, 0) != 1 || !(cm = CMSG_FIRSTHDR(&m)))
            _exit(5);
        memcpy(&got, CMSG_DATA(cm), sizeof got);
        if (write(got, &one, sizeof one) != sizeof one || close(got))
            _exit(6);
        if (read(sv[1], &b, 1) != 1) /* /dev/null: closed at once */
            _exit(7);
        _exit(0);
    }
    close(sv[1]);
    int st;
    if (c < 0 || send_one_fd(sv[0], fd) || send_one_fd(sv[0], fd) || send_one_fd(sv[0], fd))
        return 11;
    close(fd); /* in flight: the child's copies keep the file */
    int e = eventfd(0, 0), n = open("/dev/null", O_RDWR);
    uint64_t v = 0;
    if (e < 0 || n < 0 || send_one_fd(sv[0], e) || send_one_fd(sv[0], n))
        return 13;
    close(n);
    if (read(e, &v, sizeof v) != sizeof v || v != 1)
        return 14;
    close(e);
    if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
        return 12;
    close(sv[0]);
    return 0;
}

/* DIR's figures from statfs, in this process (which holds DIR's session): what the
 * session may still make and the node count. (The server's own quota is left to the
 * driver's figures: its heap keeps what it grew by the first time.) */
static int dir_figures(const char *dir, unsigned long long f[2])
{
    struct statfs st;
    if (statfs(dir, &st))
        return -1;
    f[0] = (unsigned long long)st.f_bavail;
    f[1] = (unsigned long long)(st.f_files - st.f_ffree);
    return 0;
}

/* Whether DIR's figures come back to f within 2 s (a mapped file's chunks go at the
 * server's next collection; plain files at once). */
static int dir_back(const char *dir, const unsigned long long f[2])
{
    unsigned long long now[2];
    for (int i = 0; i < 40; i++) {
        if (dir_figures(dir, now))
            return 0;
        if (!memcmp(now, f, sizeof now))
            return 1;
        usleep(50000);
    }
    fprintf(stderr, "cycles: %s: blocks free %llu (%+lld), nodes %llu (%+lld)\n", dir, now[0],
            (long long)(now[0] - f[0]), now[1], (long long)(now[1] - f[1]));
    return 0;
}

/* DIR's figures after a first round (what the server's heap grows by the first time
 * stays), once the server's collection (every 100 ms) has run. */
static int dir_start(const char *dir, unsigned long long f[2])
{
    usleep(150000);
    return dir_figures(dir, f);
}

static int one_kill(const char *dir)
{
    unsigned long long start[2];
    char path[256], page[4096], b;
    memset(page, 'k', sizeof page);
    for (int i = 0; i < 5; i++) {
        int ready[2];
        snprintf(path, sizeof path, "%s/kill-%d-%d", dir, (int)getpid(), i);
        if (pipe(ready))
            return 11;
        pid_t c = fork();
        if (c == 0) {
            struct stat st;
            int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
            if (fd < 0 || write(fd, page, sizeof page) != (ssize_t)sizeof page || stat(dir, &st) ||
                write(ready[1], "r", 1) != 1)
                _exit(1);
            pause();
            _exit(0);
        }
        close(ready[1]);
        if (c < 0 || read(ready[0], &b, 1) != 1)
            return 12;
        close(ready[0]);
        unlink(path);
        kill(c, SIGKILL);
        int st;
        if (waitpid(c, &st, 0) != c || !WIFSIGNALED(st))
            return 13;
        /* the figures after the first (what the server's heap grows by stays) */
        if (i == 0 && dir_figures(dir, start))
            return 10;
    }
    return dir_back(dir, start) ? 0 : 17;
}

/* Runs the copy at path (`cycles one nop`), killed at once if kill; 0 when it went as
 * asked. */
static int run_copy(const char *path, bool kill_it)
{
    int ready[2];
    char b;
    if (pipe(ready))
        return -1;
    pid_t c = fork();
    if (c == 0) {
        char fd[16];
        snprintf(fd, sizeof fd, "%d", ready[1]);
        char *argv[] = {(char *)path, "one", kill_it ? "wait" : "nop", fd, NULL};
        execv(path, argv);
        _exit(99);
    }
    close(ready[1]);
    int ok = c > 0 && read(ready[0], &b, 1) == 1;
    close(ready[0]);
    if (ok && kill_it)
        kill(c, SIGKILL);
    int st;
    if (c < 0 || waitpid(c, &st, 0) != c)
        return -1;
    return ok && (kill_it ? WIFSIGNALED(st) : WIFEXITED(st) && WEXITSTATUS(st) == 0) ? 0 : -1;
}

/* One round of exe: the copy made, run to its exit and killed while it runs (free for
 * writing after each), removed. */
static int exe_round(const char *path)
{
    char buf[65536];
    int in = open(self, O_RDONLY), out = open(path, O_WRONLY | O_CREAT | O_EXCL, 0700);
    ssize_t n = 0;
    while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n) {
            n = -1;
            break;
        }
    if (in < 0 || out < 0 || n < 0) {
        fprintf(stderr, "cycles: cannot copy %s to %s: %s\n", self, path, strerror(errno));
        return 11;
    }
    close(in);
    close(out);
    for (int k = 0; k < 2; k++) {
        if (run_copy(path, k == 1))
            return 12 + k;
        int fd = open(path, O_WRONLY); /* the program's file is free again */
        if (fd < 0)
            return errno == ETXTBSY ? 16 : 15;
        close(fd);
    }
    return unlink(path) ? 14 : 0;
}

/* Two rounds; DIR's figures after the first (what the server's heap grows by the
 * first time stays) must come back after the second. */
static int one_exe(const char *dir)
{
    unsigned long long start[2];
    char path[256];
    snprintf(path, sizeof path, "%s/cycles-exe-%d", dir, (int)getpid());
    int rc = exe_round(path);
    if (rc || dir_start(dir, start))
        return rc ? rc : 10;
    rc = exe_round(path);
    return rc ? rc : dir_back(dir, start) ? 0 : 17;
}

static int one(const char *kind, const char *dir)
{
    if (!strcmp(kind, "nop") || !strcmp(kind, "wait")) { /* DIR: where to say it runs */
        char b = 'r';
        if (write(atoi(dir), &b, 1) != 1)
            return 1;
        if (kind[0] == 'w')
            pause(); /* until killed */
        return 0;
    }
    if (!strcmp(kind, "kill"))
        return one_kill(dir);
    if (!strcmp(kind, "exe"))
        return one_exe(dir);
    if (!strcmp(kind, "unix"))
        return one_unix(dir);
    if (!strcmp(kind, "passfile"))
        return one_passfile(dir);
    if (!strcmp(kind, "shm"))
        return one_shm(dir);
    if (!strcmp(kind, "shmsem"))
        return one_shmsem();
    if (!strcmp(kind, "pipe"))
        return one_pipe();
    if (!strcmp(kind, "pty"))
        return one_pty();
    if (!strcmp(kind, "session"))
        return one_session();
    if (!strcmp(kind, "timer"))
        return one_timer();
    if (!strcmp(kind, "thread"))
        return one_thread();
    return 2;
}

/* sandbox_used: the sandbox's quota used (bytes); dir_free: what DIR's session may still
 * make (bytes, its quota's rest); server_free: DIR's server's own quota left, in pages
 * (a ram file system's f_ffree); nodes: the file system's nodes (f_files - f_ffree). */
struct figures {
    unsigned long long sandbox_used, dir_free, server_free, nodes;
};

/* The figures; DIR's are taken by a child, so that this process never holds a session
 * of DIR's file system (each run opens its own and ends it, as programs that a shell
 * runs do). */
static int measure(const char *dir, struct figures *f)
{
    struct sysinfo si;
    struct statfs *st = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (st == MAP_FAILED)
        return -1;
    pid_t c = fork();
    if (c == 0)
        _exit(statfs(dir, st) ? 1 : 0);
    int status = 1;
    pid_t w;
    while (c > 0 && (w = waitpid(-1, &status, 0)) != c && w > 0)
        ;
    int rc = -1;
    if (c > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 && !sysinfo(&si)) {
        f->sandbox_used = (unsigned long long)(si.totalram - si.freeram) * si.mem_unit;
        f->dir_free = (unsigned long long)st->f_bavail * (unsigned long long)st->f_bsize;
        f->server_free = (unsigned long long)st->f_ffree;
        f->nodes = (unsigned long long)(st->f_files - st->f_ffree);
        rc = 0;
    }
    munmap(st, 4096);
    return rc;
}

/* Runs `cycles one KIND DIR` once: its exit status, or 100 + why it did not run. */
static int run_one(const char *kind, const char *dir)
{
    pid_t c = fork();
    if (c < 0)
        return 100 + errno;
    if (c == 0) {
        char *argv[] = {"cycles", "one", (char *)kind, (char *)dir, NULL};
        execv(self, argv);
        _exit(99);
    }
    /* the driver may be pid 1 (tools/capix exec): orphans that end after their parent
     * are its children then, reaped here as init reaps them on Linux */
    int st;
    pid_t w;
    while ((w = waitpid(-1, &st, 0)) != c)
        if (w < 0)
            return 98;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + WTERMSIG(st);
}

static void show(const char *what, const struct figures *f, const struct figures *start)
{
    printf("%s: sandbox used %llu (%+lld), session free %llu (%+lld), server free pages %llu "
           "(%+lld), nodes %llu (%+lld)\n",
           what, f->sandbox_used, (long long)(f->sandbox_used - start->sandbox_used), f->dir_free,
           (long long)(f->dir_free - start->dir_free), f->server_free,
           (long long)(f->server_free - start->server_free), f->nodes,
           (long long)(f->nodes - start->nodes));
    fflush(stdout);
}

static int same(const struct figures *a, const struct figures *b)
{
    return a->sandbox_used == b->sandbox_used && a->dir_free == b->dir_free &&
           a->server_free == b->server_free && a->nodes == b->nodes;
}

/* The figures once things have settled: a mapped file's chunks and node go at the
 * server's next collection (every 100 ms) and an orphan may still be ending, so they
 * are taken again every 50 ms until they have stayed the same for 400 ms (or, with
 * want, until they equal it), for at most 5 s. */
static int settled(const char *dir, struct figures *f, const struct figures *want)
{
    struct figures last;
    int stable = 0;
    if (measure(dir, &last))
        return -1;
    for (int i = 0; i < 100; i++) {
        if (want && same(&last, want))
            break;
        usleep(50000);
        if (measure(dir, f))
            return -1;
        stable = same(f, &last) ? stable + 1 : 0;
        last = *f;
        if (!want && stable >= 8)
            break;
    }
    *f = last;
    return 0;
}

/* Runs KIND n times from the figures start; 0 iff all ran (*now: the figures after). */
static int round_of(const char *kind, int n, const char *dir, const char *name,
                    const struct figures *start, struct figures *now)
{
    char what[96];
    int rc;
    for (int i = 1; i <= n; i++) {
        rc = run_one(kind, dir);
        if (rc) {
            snprintf(what, sizeof what, "%s: run %d ended with %d", kind, i, rc);
            if (!measure(dir, now))
                show(what, now, start);
            printf("FAIL %s: run %d ended with %d\n", name, i, rc);
            return 1;
        }
        if (i % (n / 4 ? n / 4 : 1) == 0 && !measure(dir, now)) {
            snprintf(what, sizeof what, "%s: after %d runs", kind, i);
            show(what, now, start);
        }
    }
    if (settled(dir, now, start)) {
        printf("FAIL %s: cannot measure (errno %d)\n", name, errno);
        return 1;
    }
    return 0;
}

/* Runs KIND n times after a warm-up run; 0 iff all ran and the figures came back. A
 * round that does not come back is followed by one more from where it ended: what a
 * leak takes it takes again, while a high-water mark (a server's heap grows in steps of
 * 256 KiB, 65 to 67 pages of its quota, and never gives them back) is reached once; the
 * second round must come back to the byte. */
static int cycles(const char *kind, int n, const char *dir)
{
    char name[64], what[96];
    snprintf(name, sizeof name, "%s-cycles-%d", kind, n);
    /* a warm-up run: what the first run makes once (the launcher's tables, a file
     * system's session, the program's pages in the read-only tree) stays */
    int rc = run_one(kind, dir);
    struct figures start, now, again;
    if (rc || settled(dir, &start, NULL)) {
        printf("FAIL %s: the warm-up run ended with %d (errno %d)\n", name, rc, errno);
        return 1;
    }
    show(kind, &start, &start);
    if (round_of(kind, n, dir, name, &start, &now))
        return 1;
    if (!same(&now, &start)) {
        snprintf(what, sizeof what, "%s: at the end", kind);
        show(what, &now, &start);
        printf("%s: not back where they started: %d more runs from here\n", name, n);
        if (round_of(kind, n, dir, name, &now, &again))
            return 1;
        if (!same(&again, &now)) {
            snprintf(what, sizeof what, "%s: at the end of the second round", kind);
            show(what, &again, &now);
            printf("FAIL %s: not back where they started, twice\n", name);
            return 1;
        }
    }
    printf("PASS %s: the sandbox's quota, %s's session and server quota and its nodes are back "
           "to the byte\n",
           name, dir);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "one"))
        return one(argv[2], argc > 3 ? argv[3] : "/tmp");
    if (argc < 3) {
        fprintf(stderr, "usage: cycles KIND|all N [DIR] | cycles one KIND DIR\n");
        return 2;
    }
    const char *dir = argc > 3 ? argv[3] : "/tmp";
    int n = atoi(argv[2]);
    if (strcmp(argv[1], "all"))
        return cycles(argv[1], n, dir);
    /* every kind but ptys (capix has none yet: /dev/ptmx is missing) */
    static const char *kinds[] = {"shm",    "shmsem", "pipe", "session", "timer",
                                  "thread", "unix",   "kill", "exe",     "passfile"};
    int rc = 0;
    for (unsigned k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        rc |= cycles(kinds[k], n, dir);
    return rc;
}

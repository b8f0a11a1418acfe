/*
 * mqtest: POSIX message queues (mq_open, mq_send, mq_receive, their timed forms,
 * mq_getattr/mq_setattr, mq_notify, mq_unlink) within a process and between a parent
 * and a fork child, with Linux's errno in each failure. The same binary runs on Linux
 * and in capix; the output must be the same. One line per case: "PASS name" or
 * "FAIL name: why".
 */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define QNAME "/capix-mqtest"
#define QNAME2 "/capix-mqtest-2"

static unsigned passed, failed;

static void check(const char *name, int ok, const char *fmt, ...)
{
    if (ok) {
        printf("PASS %s\n", name);
        passed++;
        return;
    }
    printf("FAIL %s: %s (errno %d)\n", name, fmt, errno);
    failed++;
}

static struct timespec in_ms(long ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += (ms % 1000) * 1000000;
    ts.tv_sec += ms / 1000 + ts.tv_nsec / 1000000000;
    ts.tv_nsec %= 1000000000;
    return ts;
}

static volatile sig_atomic_t notified, notify_value, notify_code;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    notified++;
    notify_value = si->si_value.sival_int;
    notify_code = si->si_code;
}

static void errors(void)
{
    struct mq_attr bad = {.mq_maxmsg = 0, .mq_msgsize = 16};
    errno = 0;
    check("open_missing_enoent", mq_open(QNAME2, O_RDONLY) == (mqd_t)-1 && errno == ENOENT,
          "opened");
    errno = 0;
    check("open_bad_attr_einval",
          mq_open(QNAME2, O_RDWR | O_CREAT, 0600, &bad) == (mqd_t)-1 && errno == EINVAL, "opened");
    errno = 0;
    check("open_slash_in_name_eacces",
          mq_open("/a/b", O_RDWR | O_CREAT, 0600, NULL) == (mqd_t)-1 && errno == EACCES, "opened");
    errno = 0;
    check("unlink_missing_enoent", mq_unlink(QNAME2) == -1 && errno == ENOENT, "unlinked");
    errno = 0;
    check("send_bad_descriptor_ebadf", mq_send((mqd_t)1000, "x", 1, 0) == -1 && errno == EBADF,
          "sent");
}

static void one_process(void)
{
    struct mq_attr a = {.mq_maxmsg = 4, .mq_msgsize = 32}, got;
    mqd_t q = mq_open(QNAME, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
    check("open_create", q != (mqd_t)-1, "mq_open");
    if (q == (mqd_t)-1)
        return;
    errno = 0;
    check("open_excl_eexist",
          mq_open(QNAME, O_RDWR | O_CREAT | O_EXCL, 0600, &a) == (mqd_t)-1 && errno == EEXIST,
          "opened twice");
    check("getattr",
          mq_getattr(q, &got) == 0 && got.mq_maxmsg == 4 && got.mq_msgsize == 32 &&
              got.mq_curmsgs == 0 && got.mq_flags == 0,
          "attributes");
    /* priorities: highest first, FIFO within one priority */
    int ok = mq_send(q, "low-1", 6, 1) == 0 && mq_send(q, "high", 5, 9) == 0 &&
             mq_send(q, "low-2", 6, 1) == 0 && mq_send(q, "mid", 4, 5) == 0;
    check("send_four", ok, "mq_send");
    errno = 0;
    struct mq_attr nb = {.mq_flags = O_NONBLOCK}, old;
    check("setattr_nonblock", mq_setattr(q, &nb, &old) == 0 && old.mq_flags == 0, "mq_setattr");
    check("full_eagain", mq_send(q, "x", 2, 0) == -1 && errno == EAGAIN, "sent to a full queue");
    mq_getattr(q, &got);
    check("curmsgs_four", got.mq_curmsgs == 4 && got.mq_flags == O_NONBLOCK, "curmsgs");
    char buf[64];
    unsigned prio = 0;
    const char *want[] = {"high", "mid", "low-1", "low-2"};
    const unsigned wprio[] = {9, 5, 1, 1};
    ok = 1;
    for (int i = 0; i < 4; i++) {
        ssize_t n = mq_receive(q, buf, sizeof(buf), &prio);
        ok &= n == (ssize_t)strlen(want[i]) + 1 && !strcmp(buf, want[i]) && prio == wprio[i];
    }
    check("receive_by_priority", ok, "order");
    errno = 0;
    check("empty_eagain", mq_receive(q, buf, sizeof(buf), NULL) == -1 && errno == EAGAIN,
          "received");
    errno = 0;
    check("receive_small_buffer_emsgsize", mq_receive(q, buf, 16, NULL) == -1 && errno == EMSGSIZE,
          "received");
    errno = 0;
    char big[40] = {0};
    check("send_too_long_emsgsize", mq_send(q, big, 33, 0) == -1 && errno == EMSGSIZE, "sent");
    errno = 0;
    check("send_prio_einval", mq_send(q, "x", 1, 32768) == -1 && errno == EINVAL, "sent");
    mq_setattr(q, &old, NULL);
    struct timespec t = in_ms(100);
    errno = 0;
    check("timedreceive_etimedout",
          mq_timedreceive(q, buf, sizeof(buf), NULL, &t) == -1 && errno == ETIMEDOUT, "got one");
    t.tv_nsec = 2000000000;
    errno = 0;
    check("timedreceive_bad_time_einval",
          mq_timedreceive(q, buf, sizeof(buf), NULL, &t) == -1 && errno == EINVAL, "got one");
    mqd_t ro = mq_open(QNAME, O_RDONLY);
    errno = 0;
    check("send_on_read_only_ebadf",
          ro != (mqd_t)-1 && mq_send(ro, "x", 1, 0) == -1 && errno == EBADF, "sent");
    mq_close(ro);
    errno = 0;
    check("closed_descriptor_ebadf", mq_send(ro, "x", 1, 0) == -1 && errno == EBADF, "sent");
    mq_close(q);
}

static void notification(void)
{
    mqd_t q = mq_open(QNAME, O_RDWR);
    struct sigaction sa = {.sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1};
    ev.sigev_value.sival_int = 42;
    check("notify_register", mq_notify(q, &ev) == 0, "mq_notify");
    errno = 0;
    check("notify_twice_ebusy", mq_notify(q, &ev) == -1 && errno == EBUSY, "registered twice");
    pid_t pid = fork();
    if (pid == 0) {
        mqd_t c = mq_open(QNAME, O_WRONLY);
        _exit(c != (mqd_t)-1 && mq_send(c, "from the child", 15, 3) == 0 ? 0 : 1);
    }
    int st;
    waitpid(pid, &st, 0);
    for (int i = 0; i < 200 && !notified; i++)
        usleep(5000);
    check("notify_signal", notified == 1 && notify_value == 42 && notify_code == SI_MESGQ,
          "no SI_MESGQ signal with the value");
    char buf[64];
    unsigned prio;
    check("child_message",
          mq_receive(q, buf, sizeof(buf), &prio) == 15 && !strcmp(buf, "from the child") &&
              prio == 3,
          "message");
    check("notify_once", mq_send(q, "again", 6, 0) == 0 && usleep(50000) == 0 && notified == 1,
          "notified again");
    mq_receive(q, buf, sizeof(buf), NULL);
    struct sigevent zero = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = 0};
    struct sigevent neg = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = -1};
    errno = 0;
    check("notify_signal_0",
          mq_notify(q, &zero) == 0 && mq_notify(q, &zero) == -1 && errno == EBUSY &&
              mq_send(q, "quiet", 6, 0) == 0 && mq_notify(q, &zero) == 0 && mq_notify(q, NULL) == 0,
          "signal 0 refused, or the registration stayed");
    errno = 0;
    check("notify_bad_signal", mq_notify(q, &neg) == -1 && errno == EINVAL, "not EINVAL");
    mq_receive(q, buf, sizeof(buf), NULL);
    mq_close(q);
}

/* A child blocks in mq_receive until the parent sends; the parent blocks in
 * mq_timedsend on a full queue until the child takes one. */
static void blocking(void)
{
    mqd_t q = mq_open(QNAME, O_RDWR);
    pid_t pid = fork();
    if (pid == 0) {
        char buf[64];
        ssize_t n = mq_receive(q, buf, sizeof(buf), NULL); /* blocks */
        if (n != 5 || strcmp(buf, "wake"))
            _exit(1);
        usleep(100000);
        for (int i = 0; i < 4; i++) /* then drains the queue the parent filled */
            if (mq_receive(q, buf, sizeof(buf), NULL) < 0)
                _exit(2);
        _exit(0);
    }
    usleep(100000);
    check("wake_blocked_receiver", mq_send(q, "wake", 5, 0) == 0, "mq_send");
    int ok = 1;
    for (int i = 0; i < 5; i++) { /* the fifth waits for the child to take some */
        struct timespec t = in_ms(5000);
        ok &= mq_timedsend(q, "fill", 5, 0, &t) == 0;
    }
    int st;
    waitpid(pid, &st, 0);
    check("blocked_sender_resumes", ok && WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "the child's status or a send failed");
    struct mq_attr a;
    mq_getattr(q, &a);
    check("one_left", a.mq_curmsgs == 1, "curmsgs");
    mq_close(q);
}

/* Queues outlive their last close until unlinked: many of them at once, each opened,
 * written, closed, then all opened again and read (in capix each is a mapped /dev/shm
 * file; more of them than a File_system session's 64 chunks of mapped memory). */
#define MANY 48
static void many_queues(void)
{
    struct mq_attr a = {.mq_maxmsg = 4, .mq_msgsize = 64};
    char name[32], msg[64];
    int made = 0, read_back = 0;
    for (int i = 0; i < MANY; i++) {
        snprintf(name, sizeof name, "/capix-mqtest-many-%d", i);
        mq_unlink(name);
        mqd_t q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
        if (q == (mqd_t)-1)
            break;
        snprintf(msg, sizeof msg, "queue %d", i);
        if (mq_send(q, msg, strlen(msg) + 1, 1) == 0)
            made++;
        mq_close(q);
    }
    check("many_queues_made", made == MANY, "mq_open or mq_send failed");
    for (int i = 0; i < made; i++) {
        char want[64];
        snprintf(name, sizeof name, "/capix-mqtest-many-%d", i);
        snprintf(want, sizeof want, "queue %d", i);
        mqd_t q = mq_open(name, O_RDONLY | O_NONBLOCK);
        if (q != (mqd_t)-1 && mq_receive(q, msg, sizeof msg, NULL) > 0 && !strcmp(msg, want))
            read_back++;
        if (q != (mqd_t)-1)
            mq_close(q);
    }
    check("many_queues_read_back", read_back == MANY, "a message was missing or wrong");
    int gone = 0;
    for (int i = 0; i < MANY; i++) {
        snprintf(name, sizeof name, "/capix-mqtest-many-%d", i);
        gone += mq_unlink(name) == 0;
    }
    check("many_queues_unlinked", gone == made, "mq_unlink");
}

int main(void)
{
    mq_unlink(QNAME);
    setvbuf(stdout, NULL, _IONBF, 0);
    errors();
    one_process();
    notification();
    blocking();
    many_queues();
    check("unlink", mq_unlink(QNAME) == 0, "mq_unlink");
    errno = 0;
    check("gone_after_unlink", mq_open(QNAME, O_RDONLY) == (mqd_t)-1 && errno == ENOENT, "opened");
    printf("mqtest: %u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}

/*
 * shmtest: POSIX shared memory between a parent and a fork+exec'd child that opens
 * everything again by name: shm_open + ftruncate + mmap(MAP_SHARED), named semaphores
 * (sem_open) to take turns, the mapping surviving close(), read()/write() of the file
 * seeing what the mappings hold (both ways), a fork child sharing the mapping, and
 * sem_unlink/shm_unlink. The same binary runs on Linux and in capix; the output must be
 * the same. One line per case: "PASS name" or "FAIL name: why".
 */
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SHM_NAME "/capix-shmtest"
#define REQ_NAME "/capix-shmtest-req"
#define ACK_NAME "/capix-shmtest-ack"
#define SIZE 8192
#define ROUNDS 200

struct area {
    char greeting[64];
    char reply[64];
    char written[64];
    char forked[8];
    volatile int counter;
    char page2[4096]; /* the second page */
};

static unsigned passed, failed;

static void check(const char *name, int ok, const char *why)
{
    if (ok) {
        passed++;
        printf("PASS %s\n", name);
    } else {
        failed++;
        printf("FAIL %s: %s (errno %d)\n", name, why, errno);
    }
    fflush(stdout);
}

/* The exec'd child: opens the memory and the semaphores by name, answers the greeting,
 * then counts ROUNDS turns. Exit status 0 if everything was as expected. */
static int child(void)
{
    int fd = shm_open(SHM_NAME, O_RDWR, 0);
    if (fd < 0)
        return 10;
    struct area *a = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    sem_t *req = sem_open(REQ_NAME, 0), *ack = sem_open(ACK_NAME, 0);
    if (a == MAP_FAILED || req == SEM_FAILED || ack == SEM_FAILED)
        return 11;
    if (sem_wait(req))
        return 12;
    if (strcmp(a->greeting, "hello from the parent") || strcmp(a->page2, "second page"))
        return 13;
    strcpy(a->reply, "hello from the child");
    sem_post(ack);
    for (int i = 0; i < ROUNDS; i++) {
        if (sem_wait(req))
            return 14;
        a->counter++;
        sem_post(ack);
    }
    sem_close(req);
    sem_close(ack);
    munmap(a, SIZE);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "child"))
        return child();
    alarm(120); /* a lost wake-up would hang: end the run instead */
    shm_unlink(SHM_NAME);
    sem_unlink(REQ_NAME);
    sem_unlink(ACK_NAME);

    int fd = shm_open(SHM_NAME, O_RDWR | O_CREAT | O_EXCL, 0600);
    check("shm_open_create", fd >= 0, "shm_open");
    check("ftruncate", ftruncate(fd, SIZE) == 0, "ftruncate");
    struct area *a = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    check("mmap_shared", a != MAP_FAILED, "mmap");
    if (a == MAP_FAILED)
        return 1;
    check("close_keeps_mapping", close(fd) == 0, "close");
    check("fresh_memory_zero", a->greeting[0] == 0 && a->counter == 0, "not zero");
    strcpy(a->greeting, "hello from the parent");
    strcpy(a->page2, "second page");

    sem_t *req = sem_open(REQ_NAME, O_CREAT | O_EXCL, 0600, 0);
    sem_t *ack = sem_open(ACK_NAME, O_CREAT | O_EXCL, 0600, 0);
    check("sem_open_create", req != SEM_FAILED && ack != SEM_FAILED, "sem_open");
    check("sem_open_exists",
          sem_open(REQ_NAME, O_CREAT | O_EXCL, 0600, 0) == SEM_FAILED && errno == EEXIST,
          "a second O_EXCL create");

    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    self[n > 0 ? n : 0] = 0;
    pid_t pid = fork();
    if (pid == 0) {
        execl(self, self, "child", (char *)NULL);
        _exit(127);
    }
    sem_post(req);
    int r = sem_wait(ack);
    check("exec_child_answers", r == 0 && !strcmp(a->reply, "hello from the child"),
          "no answer through the mapping");
    int turns_ok = 1;
    for (int i = 0; i < ROUNDS; i++) {
        sem_post(req);
        turns_ok &= sem_wait(ack) == 0 && a->counter == i + 1;
    }
    check("semaphore_turns", turns_ok && a->counter == ROUNDS, "turns out of step");
    int st = 0;
    check("exec_child_exit", waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "child failed");

    /* the file and the mappings are the same bytes */
    char buf[64] = {0};
    int rfd = shm_open(SHM_NAME, O_RDWR, 0);
    check("read_sees_mapping",
          rfd >= 0 && pread(rfd, buf, sizeof(buf), 64) == (ssize_t)sizeof(buf) &&
              !strcmp(buf, "hello from the child"),
          "read() shows other bytes");
    check("write_seen_in_mapping",
          pwrite(rfd, "written with write()", 21, 128) == 21 &&
              !strcmp(a->written, "written with write()"),
          "the mapping shows other bytes");
    struct stat sb;
    check("fstat_size", fstat(rfd, &sb) == 0 && sb.st_size == SIZE, "size");

    /* a second mapping of the same file, and a fork child, share the pages */
    struct area *b = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, rfd, 0);
    close(rfd);
    check("second_mapping_shares", b != MAP_FAILED && !strcmp(b->greeting, a->greeting),
          "second mapping differs");
    pid = fork();
    if (pid == 0) {
        strcpy(a->forked, "fork");
        _exit(0);
    }
    waitpid(pid, &st, 0);
    check("fork_child_shares",
          !strcmp(a->forked, "fork") && b != MAP_FAILED && !strcmp(b->forked, "fork"),
          "the fork child's write is not seen");
    munmap(b, SIZE);

    /* a page beyond the file's end: SIGBUS */
    int bfd = shm_open(SHM_NAME "-bus", O_RDWR | O_CREAT | O_TRUNC, 0600);
    char *bus = MAP_FAILED;
    if (bfd >= 0 && ftruncate(bfd, 4096) == 0)
        bus = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, bfd, 0);
    close(bfd);
    shm_unlink(SHM_NAME "-bus");
    pid = fork();
    if (pid == 0) {
        if (bus == MAP_FAILED)
            _exit(3);
        bus[10] = 1;            /* inside the file */
        bus[2 * 4096 + 10] = 1; /* beyond its end */
        _exit(4);
    }
    st = 0;
    waitpid(pid, &st, 0);
    check("beyond_end_sigbus", WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS, "no SIGBUS");
    if (bus != MAP_FAILED)
        munmap(bus, 3 * 4096);

    /* names go; the mapping stays usable */
    sem_close(req);
    sem_close(ack);
    check("sem_unlink", sem_unlink(REQ_NAME) == 0 && sem_unlink(ACK_NAME) == 0, "sem_unlink");
    check("sem_gone", sem_open(REQ_NAME, 0) == SEM_FAILED && errno == ENOENT, "still there");
    check("shm_unlink", shm_unlink(SHM_NAME) == 0, "shm_unlink");
    check("shm_gone", shm_open(SHM_NAME, O_RDWR, 0) < 0 && errno == ENOENT, "still there");
    a->counter = 7;
    check("mapping_outlives_name", a->counter == 7 && !strcmp(a->greeting, "hello from the parent"),
          "mapping changed");
    check("munmap", munmap(a, SIZE) == 0, "munmap");
    printf("shmtest: %u passed, %u failed\n", passed, failed);
    return failed != 0;
}

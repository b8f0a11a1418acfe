/*
 * exectext: a program's code mapped from its file system's pages (scenario
 * exec-shared, where it runs from a vfs server whose files never change; docs/runtime.md,
 * "Exec"):
 *   exectext patch S     mprotect makes a page of its code writable, and a write there
 *                        changes what a function returns in this process only: a fork
 *                        child from before the write still runs the file's code, and so
 *                        does the program exec'd again; then it stays S seconds
 *   exectext late S      sleeps S seconds (another sandbox that ran the program ended
 *                        meanwhile), then reads every page of its code, runs it and
 *                        execs itself once more
 *   exectext after S PROGRAM ARGS...   sleeps S seconds, then execs PROGRAM
 *   exectext again       (exec'd by the others) the function returns what the file says
 * Prints "exectext: MODE: ok" and exits 0 when all went as expected.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* A function alone at the start of a page of the code: mov $1, %eax; ret. The byte
 * after the opcode is the value it returns. */
__asm__(".text\n"
        ".globl patchme\n"
        ".type patchme, @function\n"
        ".p2align 12\n"
        "patchme:\n"
        "    movl $1, %eax\n"
        "    ret\n"
        ".size patchme, . - patchme\n");
int patchme(void);

static const char *self;

static int fail(const char *mode, const char *what)
{
    printf("exectext: %s: FAIL: %s (%s)\n", mode, what, strerror(errno));
    fflush(stdout);
    return 1;
}

/* Runs this program again with "again"; true when it exited 0. */
static int run_again(void)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        execl(self, self, "again", (char *)NULL);
        _exit(127);
    }
    int st;
    return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static int patch(int hold)
{
    int (*volatile fn)(void) = patchme;
    uint8_t *page = (uint8_t *)((uintptr_t)patchme & ~(uintptr_t)4095);
    static uint8_t before[4096];
    int p[2];
    char c;
    if (fn() != 1)
        return fail("patch", "the function does not return 1 at first");
    memcpy(before, page, sizeof(before));
    if (pipe(p))
        return fail("patch", "pipe");
    pid_t child = fork();
    if (child == 0) { /* waits for the write, then runs the file's code */
        close(p[1]);
        if (read(p[0], &c, 1) != 1)
            _exit(2);
        _exit(fn() == 1 ? 0 : 1);
    }
    close(p[0]);
    if (mprotect(page, 4096, PROT_READ | PROT_WRITE | PROT_EXEC))
        return fail("patch", "mprotect to write");
    ((volatile uint8_t *)patchme)[1] = 2;
    if (mprotect(page, 4096, PROT_READ | PROT_EXEC))
        return fail("patch", "mprotect back");
    if (fn() != 2)
        return fail("patch", "the written code does not run");
    before[(uint8_t *)patchme + 1 - page] = 2;
    if (memcmp(before, page, sizeof(before)))
        return fail("patch", "the rest of the page changed");
    int st;
    if (write(p[1], "x", 1) != 1 || waitpid(child, &st, 0) != child)
        return fail("patch", "the fork child");
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return fail("patch", "the fork child from before the write runs the written code");
    if (!run_again())
        return fail("patch", "the program exec'd again runs the written code");
    printf("exectext: patch: ok\n");
    fflush(stdout);
    sleep((unsigned)hold);
    return 0;
}

static int late(int secs)
{
    sleep((unsigned)secs);
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[512];
    unsigned long sum = 0, pages = 0;
    if (!maps)
        return fail("late", "/proc/self/maps");
    while (fgets(line, sizeof(line), maps)) {
        unsigned long lo, hi;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && perms[2] == 'x' &&
            strstr(line, "exectext"))
            for (unsigned long a = lo; a < hi; a += 4096, pages++)
                sum += *(volatile uint8_t *)a;
    }
    fclose(maps);
    if (!pages)
        return fail("late", "no code of the program in /proc/self/maps");
    if (patchme() != 1)
        return fail("late", "the function does not return 1");
    if (!run_again())
        return fail("late", "the program exec'd again");
    printf("exectext: late: ok (%lu pages of code read)\n", pages);
    return sum == 0; /* code is not all zeros */
}

int main(int argc, char **argv)
{
    self = argv[0];
    if (argc == 3 && strcmp(argv[1], "patch") == 0)
        return patch(atoi(argv[2]));
    if (argc == 3 && strcmp(argv[1], "late") == 0)
        return late(atoi(argv[2]));
    if (argc >= 4 && strcmp(argv[1], "after") == 0) {
        sleep((unsigned)atoi(argv[2]));
        execv(argv[3], argv + 3);
        return fail("after", argv[3]);
    }
    if (argc == 2 && strcmp(argv[1], "again") == 0)
        return patchme() == 1 ? 0 : 1;
    fprintf(stderr, "usage: exectext patch S | late S | after S PROGRAM ARGS... | again\n");
    return 2;
}

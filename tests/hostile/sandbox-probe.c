/*
 * sandbox-probe: the process calls of the sandbox-isolation scenario that bash does
 * not make itself (docs/sandboxes.md):
 *   sandbox-probe wait FIRST LAST   forks a child, then waitpid(pid, WNOHANG) on every
 *                                   pid FIRST..LAST but the child's must fail with
 *                                   ECHILD (whatever lives under that number in another
 *                                   sandbox), and waiting for the child must work
 * Prints one PASS or FAIL line; exits 0 when it passed.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 4 || strcmp(argv[1], "wait")) {
        fprintf(stderr, "usage: sandbox-probe wait FIRST LAST\n");
        return 2;
    }
    int first = atoi(argv[2]), last = atoi(argv[3]);
    pid_t child = fork();
    if (child == 0) {
        pause();
        _exit(0);
    }
    if (child < 0) {
        printf("FAIL probe: fork: %s\n", strerror(errno));
        return 1;
    }
    int echild = 0, tried = 0;
    char others[256] = "";
    for (int p = first; p <= last; p++) {
        if (p == child || p == getpid())
            continue;
        tried++;
        pid_t r = waitpid(p, NULL, WNOHANG);
        if (r < 0 && errno == ECHILD)
            echild++;
        else if (strlen(others) < sizeof(others) - 24)
            snprintf(others + strlen(others), sizeof(others) - strlen(others), " %d:%d/%d", p,
                     (int)r, r < 0 ? errno : 0);
    }
    kill(child, SIGKILL);
    int st = 0;
    int own = waitpid(child, &st, 0) == child && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
    int ok = echild == tried && own;
    printf("%s probe (pid %d): waitpid on pids %d..%d that are not my child: %d of %d gave "
           "ECHILD%s; my own child (pid %d): %s\n",
           ok ? "PASS" : "FAIL", (int)getpid(), first, last, echild, tried, others, (int)child,
           own ? "reaped, killed by SIGKILL" : "not reaped");
    return ok ? 0 : 1;
}

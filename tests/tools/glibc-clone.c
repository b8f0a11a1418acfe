/*
 * glibc-clone: a static program built with the host's glibc (tests/tools/glibc-static.sh).
 * glibc (2.34 and later) makes threads and posix_spawn's children with clone3 first and
 * falls back to clone when it answers ENOSYS, as capix's runtime does (docs/runtime.md);
 * a thread, a posix_spawn child and a fork child must all work, with the same output as
 * on Linux.
 */
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void *thread_main(void *arg)
{
    *(int *)arg = 42;
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "child"))
        return 7;
    int v = 0;
    pthread_t t;
    int r = pthread_create(&t, NULL, thread_main, &v);
    if (r == 0)
        pthread_join(t, NULL);
    printf("pthread_create: %s\n", r ? strerror(r) : v == 42 ? "the thread ran" : "no run");
    fflush(stdout);
    pid_t pid;
    char *args[] = {argv[0], "child", NULL};
    int st = -1;
    r = posix_spawn(&pid, argv[0], NULL, NULL, args, environ);
    if (r == 0)
        waitpid(pid, &st, 0);
    printf("posix_spawn: %s, exit status %d\n", r ? strerror(r) : "spawned",
           WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    fflush(stdout);
    pid = fork();
    if (pid == 0)
        _exit(9);
    st = -1;
    if (pid > 0)
        waitpid(pid, &st, 0);
    printf("fork: exit status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 0;
}

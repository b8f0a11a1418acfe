/*
 * startup: prints what a POSIX component's config gave it (argv, environment, working
 * directory, ids, umask, standard input) so that the scenario posix-config can check
 * each config node; exits with status 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char cwd[256];
    printf("argc=%d", argc);
    for (int i = 0; i < argc; i++)
        printf(" [%s]", argv[i]);
    printf("\n");
    const char *greeting = getenv("GREETING");
    printf("GREETING=%s HOME=%s\n", greeting ? greeting : "(unset)", getenv("HOME"));
    printf("cwd=%s\n", getcwd(cwd, sizeof(cwd)) ? cwd : "(error)");
    mode_t m = umask(0);
    printf("uid=%d gid=%d umask=%03o\n", (int)getuid(), (int)getgid(), (unsigned)m);
    char line[128];
    while (fgets(line, sizeof(line), stdin))
        printf("stdin: %s", line);
    return 0;
}

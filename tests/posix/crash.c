/*
 * crash-musl: a static musl program that writes through a null pointer in a function
 * of its own, so that the runtime's fault report can name it (scenario posix-config).
 */
#include <stdio.h>

__attribute__((noinline)) void crash_here(volatile int *p)
{
    *p = 42;
}

int main(void)
{
    printf("about to crash\n");
    fflush(stdout);
    crash_here((volatile int *)0);
    return 0;
}

/*
 * crash: a component that writes through a null pointer after a few calls, so that
 * init's crash report (name, fault, address, function) can be checked.
 */
#include <capix/capix.h>

void crash_now(volatile uint64_t *p);

__attribute__((noinline)) void crash_now(volatile uint64_t *p)
{
    *p = 42;
}

int main(int argc, char **argv)
{
    cx_printf("about to crash\n");
    crash_now((volatile uint64_t *)(uintptr_t)(argc * 0));
    return 0;
}

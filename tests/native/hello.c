/*
 * hello: the smallest native capix component. It prints a greeting with its
 * arguments and the time since boot, and exits. The default system runs it.
 */
#include <capix/capix.h>

int main(int argc, char **argv)
{
    cx_printf("Hello from capix: %s", argv[0]);
    for (int i = 1; i < argc; i++)
        cx_printf(" %s", argv[i]);
    cx_printf(" (%lu ms after power-on)\n", cx_clock_ns() / 1000000);
    return 0;
}

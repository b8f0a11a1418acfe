/*
 * Input for lib/elf's host test, not part of capix: make-test-binaries.sh builds it
 * static (musl), static-pie and dynamic (glibc). It has a TLS variable (PT_TLS), an
 * ordinary function and an assembly function with no symbol size.
 */
#include <stdio.h>

_Thread_local int capix_tls_counter = 7;

int capix_elf_test_function(int x);
void capix_sizeless(void);

__attribute__((noinline)) int capix_elf_test_function(int x)
{
    return x * 3 + capix_tls_counter;
}

__asm__(".text\n"
        ".globl capix_sizeless\n"
        ".type capix_sizeless, @function\n"
        "capix_sizeless:\n"
        "\tnop\n"
        "\tnop\n"
        "\tnop\n"
        "\tret\n");

int main(int argc, char **argv)
{
    capix_sizeless();
    printf("%d\n", capix_elf_test_function(argc));
    return 0;
}

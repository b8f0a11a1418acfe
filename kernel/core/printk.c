/*
 * Kernel log: printf onto the serial console, formatting with lib/capix/vsnprintf.c
 * (lines longer than 256 bytes are cut).
 */
#include <stdarg.h>
#include <capix/format.h>
#include "kernel.h"
#include "arch/x86_64/cpu.h"

void kprintf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = cx_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    console_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = cx_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

void console_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            serial_putc('\r');
        serial_putc(s[i]);
    }
}

_Noreturn void panic(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = cx_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    kprintf("\n[kernel] PANIC: ");
    console_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
    kprintf("\n");
    outw(0x604, 0x2000); /* QEMU: power off */
    for (;;)
        __asm__ volatile("cli; hlt");
}

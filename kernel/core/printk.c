/*
 * Kernel log: a small printf onto the serial console. Supports %s %c %d %i %u %x %p
 * with l/ll/z modifiers, '#', '0' and a field width: all the kernel needs.
 */
#include <stdarg.h>
#include "kernel.h"
#include "arch/x86_64/cpu.h"

struct out {
    char *buf;
    size_t size, len;
};

static void put(struct out *o, char c)
{
    if (o->buf) {
        if (o->len + 1 < o->size)
            o->buf[o->len] = c;
    } else {
        if (c == '\n')
            serial_putc('\r');
        serial_putc(c);
    }
    o->len++;
}

static void put_num(struct out *o, uint64_t v, unsigned base, int width, bool zero, bool neg,
                    const char *prefix)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    int len = n + (neg ? 1 : 0) + (int)strlen(prefix);
    if (!zero)
        for (; width > len; width--)
            put(o, ' ');
    if (neg)
        put(o, '-');
    while (*prefix)
        put(o, *prefix++);
    if (zero)
        for (; width > len; width--)
            put(o, '0');
    while (n)
        put(o, tmp[--n]);
}

static void vformat(struct out *o, const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(o, *fmt);
            continue;
        }
        bool alt = false, zero = false;
        int width = 0, lng = 0;
        fmt++;
        for (;; fmt++) {
            if (*fmt == '#')
                alt = true;
            else if (*fmt == '0')
                zero = true;
            else
                break;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l' || *fmt == 'z')
            lng++, fmt++;
        switch (*fmt) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            int len = (int)strlen(s);
            for (; width > len; width--)
                put(o, ' ');
            while (*s)
                put(o, *s++);
            break;
        }
        case 'c':
            put(o, (char)va_arg(ap, int));
            break;
        case 'd':
        case 'i': {
            int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
            put_num(o, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, width, zero, v < 0, "");
            break;
        }
        case 'u':
            put_num(o, lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, width, zero, false,
                    "");
            break;
        case 'x':
            put_num(o, lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, width, zero, false,
                    alt ? "0x" : "");
            break;
        case 'p':
            put_num(o, (uint64_t)va_arg(ap, void *), 16, width, zero, false, "0x");
            break;
        case '%':
            put(o, '%');
            break;
        default:
            put(o, '%');
            if (*fmt)
                put(o, *fmt);
            else
                fmt--;
        }
    }
}

void kprintf(const char *fmt, ...)
{
    struct out o = {0};
    va_list ap;
    va_start(ap, fmt);
    vformat(&o, fmt, ap);
    va_end(ap);
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    struct out o = {buf, size, 0};
    va_list ap;
    va_start(ap, fmt);
    vformat(&o, fmt, ap);
    va_end(ap);
    if (size)
        buf[o.len < size ? o.len : size - 1] = 0;
    return (int)o.len;
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
    struct out o = {0};
    va_list ap;
    kprintf("\n[kernel] PANIC: ");
    va_start(ap, fmt);
    vformat(&o, fmt, ap);
    va_end(ap);
    kprintf("\n");
    outw(0x604, 0x2000); /* QEMU: power off */
    for (;;)
        __asm__ volatile("cli; hlt");
}

/* Formatting shared by the kernel and native programs (lib/capix/vsnprintf.c). */
#ifndef CAPIX_FORMAT_H
#define CAPIX_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/* Formats into buf (always NUL-terminated when size > 0); returns the full length. */
int cx_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int cx_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif

/*
 * The log for native programs: cx_printf to the component's log capability (formatting
 * is lib/capix/vsnprintf.c), and the names of the kernel's error codes.
 */
#include <capix/capix.h>
#include <string.h>

void cx_printf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = cx_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof(buf))
        n = sizeof(buf) - 1;
    cx_log_write(CX_SLOT_LOG, buf, (uint64_t)n);
}

const char *cx_strerror(long err)
{
    switch (err) {
#define CX_ERR_NAME(n, name, text)                                                                 \
    case n:                                                                                        \
        return #name;
        CX_ERRORS(CX_ERR_NAME)
#undef CX_ERR_NAME
    default:
        return "unknown error";
    }
}

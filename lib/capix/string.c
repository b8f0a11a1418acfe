/*
 * Byte and string helpers for freestanding capix code (the kernel, the runtime, the
 * native programs). The compiler also emits calls to memcpy/memset for struct copies,
 * which land here.
 */
#include <stdint.h>
#include <string.h>

/*
 * The copies move eight bytes at a time (x86-64 string instructions: one instruction
 * per eight bytes, which also counts for an emulator), then the odd bytes. Every
 * caller runs with the direction flag clear: the C ABI's rule, which the kernel's
 * entries (cld) and the runtime's entry (flags set by the kernel) keep.
 */
typedef uint64_t __attribute__((may_alias, aligned(1))) u64u;

void *memcpy(void *dst, const void *src, size_t n)
{
    void *d = dst;
    size_t q = n / 8, r = n % 8;
    __asm__ volatile("rep movsq" : "+D"(d), "+S"(src), "+c"(q) : : "memory");
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(r) : : "memory");
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d <= s || d >= s + n)
        return memcpy(dst, src, n); /* forward is safe: nothing read is overwritten first */
    while (n >= 8) {                /* overlapping, destination above: from the end */
        n -= 8;
        *(u64u *)(d + n) = *(const u64u *)(s + n);
    }
    while (n--)
        d[n] = s[n];
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    void *d = dst;
    uint64_t v = 0x0101010101010101ull * (unsigned char)c;
    size_t q = n / 8, r = n % 8;
    __asm__ volatile("rep stosq" : "+D"(d), "+c"(q) : "a"(v) : "memory");
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(r) : "a"(v) : "memory");
    return dst;
}

/* memcmp and memchr look at eight bytes at a time while they can (never beyond n), then
 * byte by byte where the difference or the byte is. */
int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    while (n >= 8 && *(const u64u *)x == *(const u64u *)y)
        x += 8, y += 8, n -= 8;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}

void *memchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;
    const uint64_t ones = 0x0101010101010101ull, pat = ones * (unsigned char)c;
    while (n >= 8) {
        uint64_t v = *(const u64u *)p ^ pat; /* a zero byte where p holds c */
        if ((v - ones) & ~v & (ones << 7))
            break;
        p += 8, n -= 8;
    }
    for (; n; n--, p++)
        if (*p == (unsigned char)c)
            return (void *)p;
    return NULL;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (unsigned char)*a - (unsigned char)*b;
        if (!*a)
            return 0;
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (!*s)
            return NULL;
    }
}

/*
 * backcopy: backward string copies into fresh anonymous memory. musl's memmove copies
 * an overlapping range upwards with "std; rep movsb", so the page faults that bring in
 * demand-zero pages arrive with the direction flag set; the kernel must not let that
 * flag reach its own string instructions. (It once did: it zeroed the new frame
 * backwards, so the new page kept a freed page's bytes and the physical page below it
 * was wiped, which crashed vim's regexp engine.) The same static binary runs on the
 * Linux host and in capix; both must print only PASS lines.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "ptest.h"

#define PAGE 4096ul

/* Copies n bytes from the last byte of src down to the first, with DF set. */
static void copy_down(void *dst, const void *src, size_t n)
{
    unsigned char *d = (unsigned char *)dst + n - 1;
    const unsigned char *s = (const unsigned char *)src + n - 1;
    __asm__ volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}

static unsigned char *map(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* The index of the first byte of p[0, n) that is not c, or -1. */
static long first_not(const unsigned char *p, size_t n, unsigned char c)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != c)
            return (long)i;
    return -1;
}

/* Pages written and given back, then a fresh page touched first by a backward copy:
 * the rest of that page must read as zero (not as the bytes of a freed page). */
static void test_fresh_page(void)
{
    const size_t npages = 64;
    long bad = -1, round = 0;
    for (; round < 16; round++) {
        unsigned char *old = map(npages * PAGE);
        if (!old) {
            check("fresh-page", 0, "mmap: errno %ld (round %ld)", errno, round);
            return;
        }
        memset(old, 0xa5, npages * PAGE);
        munmap(old, npages * PAGE);
        unsigned char *p = map(npages * PAGE);
        if (!p) {
            check("fresh-page", 0, "mmap: errno %ld (round %ld)", errno, round);
            return;
        }
        static const unsigned char src[64] = "the last 64 bytes of each page, copied backwards";
        for (size_t i = 0; i < npages && bad < 0; i++) {
            unsigned char *pg = p + i * PAGE;
            copy_down(pg + PAGE - sizeof(src), src, sizeof(src));
            if (memcmp(pg + PAGE - sizeof(src), src, sizeof(src)))
                bad = (long)(i * PAGE + PAGE - sizeof(src));
            else if ((bad = first_not(pg, PAGE - sizeof(src), 0)) >= 0)
                bad += (long)(i * PAGE);
        }
        munmap(p, npages * PAGE);
        if (bad >= 0)
            break;
    }
    check("fresh-page", bad < 0, "byte %ld of a fresh mapping is wrong (round %ld)", bad, round);
}

/* What vim's regexp engine does (addstate_here): memmove a filled block up over fresh
 * pages; everything written before must still be there, moved. */
static void test_memmove_up(void)
{
    const size_t len = 0x15000, filled = 0x9000, shift = 0x1f30;
    long bad = -1, round = 0;
    for (; round < 16; round++) {
        unsigned char *p = map(len);
        if (!p) {
            check("memmove-up", 0, "mmap: errno %ld (round %ld)", errno, round);
            return;
        }
        for (size_t i = 0; i < filled; i++)
            p[i] = (unsigned char)(i * 7 + 1);
        for (size_t off = shift; off + filled <= len && bad < 0; off += shift) {
            memmove(p + off, p + off - shift, filled);
            for (size_t i = 0; i < filled; i++)
                if (p[off + i] != (unsigned char)(i * 7 + 1)) {
                    bad = (long)(off + i);
                    break;
                }
        }
        munmap(p, len);
        if (bad >= 0)
            break;
    }
    check("memmove-up", bad < 0, "byte %ld is wrong after the moves (round %ld)", bad, round);
}

int main(void)
{
    test_fresh_page();
    test_memmove_up();
    printf("backcopy: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}

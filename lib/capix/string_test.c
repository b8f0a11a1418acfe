/*
 * Host test of the freestanding copies (string.c): memcpy, memmove and memset against
 * plain byte loops, for every length up to 80 and a few large ones, every alignment of
 * source and destination, and overlaps in both directions at every distance; memcmp and
 * memchr (eight bytes at a time) with the difference or the byte at every place.
 */
#define memcpy cx_memcpy
#define memmove cx_memmove
#define memset cx_memset
#define memcmp cx_memcmp
#define memchr cx_memchr
#define strlen cx_strlen
#define strnlen cx_strnlen
#define strcmp cx_strcmp
#define strncmp cx_strncmp
#define strchr cx_strchr
#define strrchr cx_strrchr
#include <stddef.h>
size_t cx_strnlen(const char *s, size_t max);
#include "string.c"

#include "../../tests/host/check.h"

static unsigned char buf[3][8192];

/* the references: byte loops */
static void ref_copy(unsigned char *d, const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = s[i];
}

static void ref_move(unsigned char *d, const unsigned char *s, size_t n)
{
    unsigned char tmp[8192];
    ref_copy(tmp, s, n);
    ref_copy(d, tmp, n);
}

static int same(const unsigned char *a, const unsigned char *b)
{
    for (size_t i = 0; i < sizeof(buf[0]); i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 131 + seed * 7 + 1);
}

static const size_t lens[] = {4096, 4097, 4103, 5000};

static size_t len_at(unsigned i)
{
    return i <= 80 ? i : lens[i - 81];
}

static void copies(void)
{
    for (unsigned li = 0; li < 85; li++) {
        size_t n = len_at(li);
        for (unsigned da = 0; da < 8; da++)
            for (unsigned sa = 0; sa < 8; sa++) {
                fill(buf[0], sizeof(buf[0]), li + da);
                fill(buf[1], sizeof(buf[1]), sa);
                ref_copy(buf[2], buf[0], sizeof(buf[2]));
                void *r = cx_memcpy(buf[0] + da, buf[1] + sa, n);
                ref_copy(buf[2] + da, buf[1] + sa, n);
                CHECK(r == buf[0] + da);
                CHECK(same(buf[0], buf[2]));
            }
    }
}

static void moves(void)
{
    for (unsigned li = 0; li < 85; li++) {
        size_t n = len_at(li);
        for (int dist = -17; dist <= 17; dist++) {
            size_t s = 40, d = (size_t)((int)s + dist);
            fill(buf[0], sizeof(buf[0]), li);
            ref_copy(buf[2], buf[0], sizeof(buf[2]));
            CHECK(cx_memmove(buf[0] + d, buf[0] + s, n) == buf[0] + d);
            ref_move(buf[2] + d, buf[2] + s, n);
            CHECK(same(buf[0], buf[2]));
        }
    }
}

static void sets(void)
{
    for (unsigned li = 0; li < 85; li++) {
        size_t n = len_at(li);
        for (unsigned a = 0; a < 8; a++) {
            fill(buf[0], sizeof(buf[0]), li);
            ref_copy(buf[2], buf[0], sizeof(buf[2]));
            CHECK(cx_memset(buf[0] + a, 0xa5 + (int)li, n) == buf[0] + a);
            for (size_t i = 0; i < n; i++)
                buf[2][a + i] = (unsigned char)(0xa5 + li);
            CHECK(same(buf[0], buf[2]));
        }
    }
}

static int sign(int v)
{
    return v < 0 ? -1 : v > 0;
}

/* Every length, alignment and place of a difference (or of the byte looked for, with
 * high-bit values around it: the word test must not see a byte that is not there). */
static void compares(void)
{
    for (size_t n = 0; n <= 40; n++)
        for (unsigned a = 0; a < 8; a++) {
            unsigned char *x = buf[0] + a, *y = buf[1] + 3;
            fill(x, n, 5);
            memcpy(y, x, n);
            CHECK(cx_memcmp(x, y, n) == 0);
            for (size_t i = 0; i < n; i++) {
                unsigned char keep = y[i];
                y[i] = (unsigned char)(keep + 1);
                CHECK(sign(cx_memcmp(x, y, n)) == sign((int)x[i] - (int)y[i]));
                y[i] = (unsigned char)(keep - 1);
                CHECK(sign(cx_memcmp(x, y, n)) == sign((int)x[i] - (int)y[i]));
                y[i] = keep;
            }
            for (size_t i = 0; i < n; i++)
                x[i] = (unsigned char)(0x80 | (i & 0x3f)); /* never 0xc1 */
            for (size_t i = 0; i < n; i++) {
                unsigned char keep = x[i];
                x[i] = 0xc1;
                CHECK(cx_memchr(x, 0xc1, n) == x + i);
                CHECK(cx_memchr(x, 0xc1, i) == NULL);
                x[i] = keep;
            }
            CHECK(cx_memchr(x, 0xc1, n) == NULL);
        }
}

int main(void)
{
    static const struct check_case cases[] = {
        {"copies", copies}, {"moves", moves}, {"sets", sets}, {"compares", compares}};
    return check_run("string", cases, 4) ? 1 : 0;
}

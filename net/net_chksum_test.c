/*
 * Host test of net_chksum.c against RFC 1071's byte-pair loop: random buffers of every
 * length from 0 to 300 at every alignment 0..7, long buffers of 0xff bytes (the carries)
 * and of zeros, and the example of RFC 1071 section 3.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "net_chksum.h"

static int failed, passed;

/* the sum of 16-bit words in memory order (little-endian here), carries folded in */
static uint16_t reference(const uint8_t *p, int len)
{
    uint32_t acc = 0;
    for (int i = 0; i + 1 < len; i += 2)
        acc += (uint32_t)p[i] | (uint32_t)p[i + 1] << 8;
    if (len & 1)
        acc += p[len - 1];
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)acc;
}

static void check(const char *what, const uint8_t *p, int len)
{
    uint16_t got = capix_lwip_chksum(p, len), want = reference(p, len);
    if (got != want) {
        printf("FAIL chksum %s: length %d: got %04x, want %04x\n", what, len, got, want);
        failed++;
    } else {
        passed++;
    }
}

int main(void)
{
    static uint8_t buf[70000];
    srand(1071);
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)rand();
    for (int off = 0; off < 8; off++)
        for (int len = 0; len <= 300; len++)
            check("random", buf + off, len);
    check("random 65535", buf + 3, 65535);
    check("random 65536", buf, 65536);
    memset(buf, 0xff, sizeof buf);
    check("all ones 65535", buf + 1, 65535);
    check("all ones 69999", buf, 69999);
    memset(buf, 0, sizeof buf);
    check("zeros", buf, 1000);
    /* RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2 (big-endian words), so
     * f2dd read as little-endian words */
    const uint8_t rfc[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    uint16_t s = capix_lwip_chksum(rfc, sizeof rfc);
    if (s != 0xf2dd) {
        printf("FAIL chksum rfc1071: got %04x, want f2dd\n", s);
        failed++;
    } else {
        passed++;
    }
    printf("%s chksum: %d checks passed, %d failed\n", failed ? "FAIL" : "PASS", passed, failed);
    return failed != 0;
}

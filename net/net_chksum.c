/*
 * The Internet checksum's sum for lwIP (LWIP_CHKSUM in ports/lwip's lwipopts.h): the
 * one's-complement sum of the buffer read as 16-bit words in memory order, as if it
 * began at an even offset (lwIP swaps the bytes itself for a buffer of a pbuf chain that
 * begins at an odd one), folded to 16 bits. RFC 1071: the sum is the same whatever the
 * word size as long as carries are added back in, so it adds 32-bit halves of 64-bit
 * loads into a 64-bit accumulator (no carry is lost: each add is below 2^33, and a
 * buffer is below 2^31 bytes) and folds at the end. lwIP's own loop takes 16 bits a
 * turn; this one about eight times fewer instructions per byte.
 */
#include "net_chksum.h"
#include <string.h>

uint16_t capix_lwip_chksum(const void *data, int len)
{
    const uint8_t *p = data;
    uint64_t acc = 0;
    size_t n = len > 0 ? (size_t)len : 0;
    for (; n >= 32; n -= 32, p += 32) {
        uint64_t w[4];
        __builtin_memcpy(w, p, sizeof w); /* inlined: USER_CFLAGS has -fno-builtin */
        acc += (w[0] & 0xffffffffu) + (w[0] >> 32) + (w[1] & 0xffffffffu) + (w[1] >> 32);
        acc += (w[2] & 0xffffffffu) + (w[2] >> 32) + (w[3] & 0xffffffffu) + (w[3] >> 32);
    }
    for (; n >= 8; n -= 8, p += 8) {
        uint64_t w;
        __builtin_memcpy(&w, p, sizeof w);
        acc += (w & 0xffffffffu) + (w >> 32);
    }
    for (; n >= 2; n -= 2, p += 2) {
        uint16_t w;
        __builtin_memcpy(&w, p, sizeof w);
        acc += w;
    }
    if (n) {
        uint16_t w = 0;
        __builtin_memcpy(&w, p, 1); /* the last byte, first in its word */
        acc += w;
    }
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)acc;
}

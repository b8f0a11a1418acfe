/*
 * Random bytes for getrandom, /dev/urandom and AT_RANDOM: a ChaCha20 keystream (RFC
 * 8439's block function) keyed at first use from RDRAND when the CPU has it, mixed with
 * the jitter of the time-stamp counter around kernel calls. Without RDRAND (QEMU's
 * baseline CPU) the key's entropy is only that jitter: good enough for hash seeds and
 * temporary names, not for keys. An entropy service comes later.
 */
#include <string.h>
#include "runtime.h"

static uint32_t key[8], counter, nonce[3];
static int seeded;
static uint8_t buf[64];
static unsigned avail;

static uint32_t rotl(uint32_t x, int n)
{
    return (x << n) | (x >> (32 - n));
}

#define QR(a, b, c, d)                                                                             \
    (a += b, d ^= a, d = rotl(d, 16), c += d, b ^= c, b = rotl(b, 12), a += b, d ^= a,             \
     d = rotl(d, 8), c += d, b ^= c, b = rotl(b, 7))

static void chacha_block(uint32_t out[16])
{
    uint32_t in[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574, key[0], key[1],
                       key[2],     key[3],     key[4],     key[5],     key[6], key[7],
                       counter,    nonce[0],   nonce[1],   nonce[2]};
    uint32_t x[16];
    memcpy(x, in, sizeof(x));
    for (int i = 0; i < 10; i++) {
        QR(x[0], x[4], x[8], x[12]);
        QR(x[1], x[5], x[9], x[13]);
        QR(x[2], x[6], x[10], x[14]);
        QR(x[3], x[7], x[11], x[15]);
        QR(x[0], x[5], x[10], x[15]);
        QR(x[1], x[6], x[11], x[12]);
        QR(x[2], x[7], x[8], x[13]);
        QR(x[3], x[4], x[9], x[14]);
    }
    for (int i = 0; i < 16; i++)
        out[i] = x[i] + in[i];
    if (++counter == 0)
        nonce[0]++;
}

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static int rdrand(uint64_t *v)
{
    uint32_t a = 1, b, c, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
    if (!(c & (1u << 30)))
        return 0;
    unsigned char ok;
    for (int i = 0; i < 10; i++) {
        __asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
        if (ok)
            return 1;
    }
    return 0;
}

static void seed(void)
{
    /* the key starts as 256 bits of whatever varies, then every sample is stirred in
     * through the block function */
    for (int round = 0; round < 16; round++) {
        uint64_t r = 0;
        rdrand(&r);
        uint64_t t0 = rdtsc();
        cx_yield();
        uint64_t t1 = rdtsc();
        key[round % 8] ^= (uint32_t)(t1 - t0) ^ (uint32_t)r;
        key[(round + 1) % 8] ^= (uint32_t)(r >> 32) ^ (uint32_t)t1;
        nonce[round % 3] ^= (uint32_t)(cx_clock_ns() >> 3);
        uint32_t out[16];
        chacha_block(out);
        for (int i = 0; i < 8; i++)
            key[i] ^= out[i];
    }
    seeded = 1;
}

void rt_random_bytes(void *dst, size_t n)
{
    if (!seeded)
        seed();
    uint8_t *p = dst;
    while (n) {
        if (!avail) {
            uint32_t out[16];
            chacha_block(out);
            memcpy(buf, out, 64);
            avail = 64;
        }
        size_t k = n < avail ? n : avail;
        memcpy(p, buf + 64 - avail, k);
        memset(buf + 64 - avail, 0, k);
        avail -= (unsigned)k;
        p += k;
        n -= k;
    }
}

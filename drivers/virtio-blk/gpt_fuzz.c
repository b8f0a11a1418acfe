/*
 * Fuzzer of the GPT reader (gpt.h): the input is the start of a disk of 4096 sectors
 * (zeros after it); every partition number is looked up. A partition found must lie
 * inside the disk; nothing may crash or read outside the scratch buffer.
 */
#include <stdlib.h>
#include <string.h>
#include "gpt.h"

static const uint8_t *in;
static size_t in_size;

static int fuzz_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
    if (lba > 4096 || count > 4096 - lba || count > GPT_MAX_ENTRIES * 128 / 512)
        return -5;
    memset(buf, 0, (size_t)count * 512);
    uint64_t off = lba * 512;
    if (off < in_size) {
        size_t n = in_size - off < (size_t)count * 512 ? in_size - off : (size_t)count * 512;
        memcpy(buf, in + off, n);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t scratch[GPT_MAX_ENTRIES * 128];
    in = data;
    in_size = size;
    for (unsigned i = 0; i <= 130; i += i < 4 ? 1 : 63) {
        struct gpt_part p;
        if (gpt_find(fuzz_read, NULL, 4096, i, scratch, &p) == 0 &&
            (p.sectors == 0 || p.first >= 4096 || p.sectors > 4096 - p.first))
            abort();
    }
    return 0;
}

/*
 * Host test of the staged zlib (build/ports-sysroot): compresses and decompresses a
 * buffer with the static library and checks the version it reports. Prints PASS/FAIL.
 */
#include <stdio.h>
#include <string.h>

#include <zlib.h>

int main(void)
{
    static unsigned char input[64 * 1024], packed[80 * 1024], unpacked[64 * 1024];
    uLongf packed_len = sizeof(packed), unpacked_len = sizeof(unpacked);
    int failed = 0;

    for (size_t i = 0; i < sizeof(input); i++)
        input[i] = (unsigned char)("capix zlib "[i % 11] ^ (i / 4096));
    if (compress2(packed, &packed_len, input, sizeof(input), Z_BEST_COMPRESSION) != Z_OK ||
        uncompress(unpacked, &unpacked_len, packed, packed_len) != Z_OK ||
        unpacked_len != sizeof(input) || memcmp(input, unpacked, sizeof(input)) != 0) {
        printf("FAIL zlib-roundtrip\n");
        failed = 1;
    } else {
        printf("PASS zlib-roundtrip (%zu -> %lu bytes)\n", sizeof(input),
               (unsigned long)packed_len);
    }
    if (strcmp(zlibVersion(), ZLIB_VERSION) != 0) {
        printf("FAIL zlib-version: library %s, header %s\n", zlibVersion(), ZLIB_VERSION);
        failed = 1;
    } else {
        printf("PASS zlib-version %s\n", zlibVersion());
    }
    return failed;
}

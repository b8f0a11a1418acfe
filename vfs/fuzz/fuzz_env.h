/*
 * The environment the VFS fuzzers give the library: malloc with a count of live bytes
 * (every vfs must give back all it took), a fixed clock, and two modules: an empty tar
 * archive and one with a few members.
 */
#ifndef VFS_FUZZ_ENV_H
#define VFS_FUZZ_ENV_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <vfs/vfs.h>

static long long fuzz_live;

static void *fuzz_alloc(void *ctx, size_t size)
{
    size_t *p = malloc(size + 16);
    if (!p)
        return NULL;
    p[0] = size;
    fuzz_live += (long long)size;
    return p + 2;
}

static void fuzz_free(void *ctx, void *ptr, size_t size)
{
    size_t *p = (size_t *)ptr - 2;
    if (p[0] != size)
        abort();
    fuzz_live -= (long long)size;
    free(p);
}

static uint64_t fuzz_now(void *ctx)
{
    return 1700000000ull * 1000000000ull;
}

/* A ustar archive: "dir/" and "dir/file" ("hi"), "link" -> "dir/file", "hard" = file. */
static unsigned char fuzz_tar[6 * 512];

static void fuzz_tar_member(unsigned char *h, const char *name, char type, const char *link,
                            unsigned size)
{
    unsigned sum = 0, i;
    memset(h, 0, 512);
    memcpy(h, name, strlen(name));
    memcpy(h + 100, "0000644", 7);
    memcpy(h + 108, "0000000", 7);
    memcpy(h + 116, "0000000", 7);
    for (i = 0; i < 11; i++)
        h[124 + i] = (unsigned char)('0' + ((size >> (3 * (10 - i))) & 7));
    memcpy(h + 136, "00000000000", 11);
    h[156] = (unsigned char)type;
    if (link)
        memcpy(h + 157, link, strlen(link));
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    for (i = 0; i < 512; i++)
        sum += h[i];
    for (i = 0; i < 6; i++)
        h[148 + i] = (unsigned char)('0' + ((sum >> (3 * (5 - i))) & 7));
    h[154] = 0;
}

static const void *fuzz_module(void *ctx, const char *name, size_t *size)
{
    static unsigned char empty[1024];
    if (fuzz_tar[0] == 0) {
        fuzz_tar_member(fuzz_tar, "dir/", '5', NULL, 0);
        fuzz_tar_member(fuzz_tar + 512, "dir/file", '0', NULL, 2);
        memcpy(fuzz_tar + 1024, "hi", 2);
        fuzz_tar_member(fuzz_tar + 1536, "link", '2', "dir/file", 0);
        fuzz_tar_member(fuzz_tar + 2048, "hard", '1', "dir/file", 0);
    }
    if (strcmp(name, "a.tar") == 0) {
        *size = sizeof fuzz_tar;
        return fuzz_tar;
    }
    if (strcmp(name, "empty.tar") == 0) {
        *size = sizeof empty;
        return empty;
    }
    return NULL;
}

static const struct vfs_env fuzz_env = {NULL,        fuzz_alloc, fuzz_free, fuzz_now,
                                        fuzz_module, NULL,       NULL};

#endif

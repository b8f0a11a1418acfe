/*
 * libFuzzer target for lib/tar: iterates over the input as an archive, checks that
 * every entry's name is terminated and its data lies inside the input, and looks up
 * the first entry's name and a fixed path with tar_find; aborts on any violation.
 * Random mutations rarely keep header checksums right, so the same checks also run on
 * a copy in which every header that fails its checksum gets a correct one.
 */
#include <capix/tar.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tar_entry e, first, found;

static void check_archive(const uint8_t *data, size_t size)
{
    struct tar_iter it;
    int rc, n = 0;
    tar_iter_init(&it, data, size);
    while ((rc = tar_next(&it, &e)) == 1) {
        const uint8_t *d = e.data;
        if (!memchr(e.name, '\0', sizeof e.name) || !memchr(e.link_name, '\0', sizeof e.link_name))
            abort();
        if (d < data || d > data + size || e.size > (uint64_t)(data + size - d))
            abort();
        if (e.offset % 512 || e.offset >= size || e.mode > 07777 || e.type > TAR_OTHER)
            abort();
        if (n++ == 0)
            first = e;
    }
    if (rc > 1 || rc < TAR_EFORMAT || tar_next(&it, &e) != rc)
        abort();
    /* A listed entry is always found, unless the archive is malformed further on. */
    if (n > 0 && tar_find(data, size, first.name, &found) != rc)
        abort();
    (void)tar_find(data, size, "/bin/init", &found);
}

static void fix_checksum(uint8_t *h)
{
    unsigned sum = 0, i;
    char field[8];
    memset(h + 148, ' ', 8);
    for (i = 0; i < 512; i++)
        sum += h[i];
    snprintf(field, sizeof field, "%06o", sum & 0777777);
    memcpy(h + 148, field, 7);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy;
    size_t tries;
    check_archive(data, size);
    copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    for (tries = 0; tries <= size / 512; tries++) {
        struct tar_iter it;
        int rc;
        tar_iter_init(&it, copy, size);
        while ((rc = tar_next(&it, &e)) == 1)
            ;
        if (rc != TAR_ECHECKSUM)
            break;
        fix_checksum(copy + it.pos);
    }
    check_archive(copy, size);
    free(copy);
    return 0;
}

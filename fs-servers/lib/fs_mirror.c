/*
 * Mirrors: the mapped files of a plugin whose data lives on a device (fat,
 * `data_on_device`). There the plugin's bytes stay the file's data, and what its
 * sync writes to the disk, in its order; the chunks of fs_mapped.c are only a
 * read-only copy of them, made for clients' views (FS_MAP with FS_MAP_VIEW: a pread
 * copies straight from the pages, vfs-plugins/fs/README.md). So no client may map
 * one writable, and a mapping that is not a view gets ENODEV (the runtime copies, as
 * before). A copy is made a chunk at a time, the one a client's FS_MAP asks for
 * (fs_op_map): a view of a few pages of a large file costs its chunk, not the file.
 *
 * Invariant: a chunk of a copy, while it exists, holds the plugin's bytes of its pages
 * up to the size and zeros beyond; missing chunks hold nothing (a READ over them asks
 * the plugin: fs_mirror_holds). Every change of the bytes goes through the server: a
 * WRITE is copied into the chunks it touches that exist, after the plugin took it
 * (fs_mirror_wrote), a size change zeroes (fs_mapped_resized); a copy that cannot
 * follow (the file grows beyond FS_MIRROR_BYTES) is dropped, which steps fs_buf.maps
 * first, so that no view trusts it afterwards. Nothing is ever written back from a copy.
 */
#include "fs_server_internal.h"

#include <string.h>

void fs_mirror_drop(struct fs_server *s, struct fs_mapped *mp)
{
    for (struct fs_mapped **pp = &s->mapped; *pp; pp = &(*pp)->next)
        if (*pp == mp) {
            *pp = mp->next;
            break;
        }
    fs_mapped_free(s, mp); /* steps maps before each chunk goes */
}

void fs_mirror_wrote(struct fs_session *ss, struct fs_mapped *mp, uint64_t size, uint64_t from,
                     const void *data, uint64_t n)
{
    struct fs_server *s = ss->s;
    if (from > FS_MIRROR_BYTES || n > FS_MIRROR_BYTES - from) {
        fs_mirror_drop(s, mp);
        return;
    }
    if (from > size)
        fs_mapped_resized(s, mp->node, size, from); /* the gap reads as zero */
    while (n) { /* into the chunks that exist; the others are made from the plugin */
        unsigned k = fs_chunk_of(from / FS_PAGE);
        uint64_t start = fs_chunk_first(k) * FS_PAGE;
        uint64_t end = start + fs_chunk_pages(k) * FS_PAGE;
        uint64_t len = end - from < n ? end - from : n;
        if (mp->chunk[k].addr)
            memcpy(mp->chunk[k].addr + (from - start), data, len);
        data = (const uint8_t *)data + len;
        from += len;
        n -= len;
    }
}

bool fs_mirror_holds(struct fs_mapped *mp, uint64_t off, uint64_t n)
{
    uint64_t end = off + n;
    if (off >= FS_MIRROR_BYTES || n > FS_MIRROR_BYTES - off)
        return false;
    while (off < end) {
        unsigned k = fs_chunk_of(off / FS_PAGE);
        if (!mp->chunk[k].addr)
            return false;
        off = (fs_chunk_first(k) + fs_chunk_pages(k)) * FS_PAGE;
    }
    return true;
}

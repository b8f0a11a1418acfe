/*
 * Mirrors: the mapped files of a plugin whose data lives on a device (fat,
 * `data_on_device`). There the plugin's bytes stay the file's data, and what its
 * sync writes to the disk, in its order; the chunks of fs_mapped.c are only a
 * read-only copy of them, made for clients' views (FS_MAP with FS_MAP_VIEW: a pread
 * copies straight from the pages, vfs-plugins/fs/README.md). So only files of up to
 * FS_MIRROR_BYTES get one, no client may map it writable, and a mapping that is not a
 * view gets ENODEV (the runtime copies, as before).
 *
 * Invariant: while a file has a copy, its chunks hold the plugin's bytes up to the
 * size and zeros beyond. Every change of the bytes goes through the server: a WRITE
 * is copied in after the plugin took it (fs_mirror_wrote), a size change zeroes
 * (fs_mapped_resized); a copy that cannot follow (the file grows beyond
 * FS_MIRROR_BYTES, no memory) is dropped, which steps fs_buf.maps first, so that no
 * view trusts it afterwards. Nothing is ever written back from a copy.
 */
#include "fs_server_internal.h"

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
    if (fs_mapped_copy(s, mp, from, NULL, data, n, ss) < 0)
        fs_mirror_drop(s, mp);
}

/*
 * Reader for tar archives held in memory (the boot archive, the read-only `tar` VFS
 * plugin). Understands POSIX ustar (with the prefix field), GNU long names and link
 * names ('L'/'K' entries), pax extended headers ('x': path, linkpath, size, uid, gid,
 * mtime; 'g' is skipped) and base-256 numbers. Every header's checksum is verified and
 * every offset is checked against the buffer; the archive ends at a zero block or at
 * the end of the buffer. Nothing is allocated: entries point into the buffer, names are
 * copied into the entry. Freestanding: used by native capix programs and host tests.
 */
#ifndef CAPIX_TAR_H
#define CAPIX_TAR_H

#include <stddef.h>
#include <stdint.h>

#define TAR_PATH_MAX 4096 /* names are at most TAR_PATH_MAX - 1 bytes */

/* Error codes (negative return values). */
#define TAR_ECHECKSUM -1    /* a header's checksum does not match */
#define TAR_ETRUNC -2       /* a header or an entry's data runs past the end of the buffer */
#define TAR_EBADNUM -3      /* a numeric header field is not octal or base-256, or overflows */
#define TAR_ENAMETOOLONG -4 /* a name or link name needs TAR_PATH_MAX bytes or more */
#define TAR_EPAX -5         /* a pax extended header is malformed */
#define TAR_EFORMAT -6      /* anything else malformed (e.g. a long-name entry with no file) */
#define TAR_ENOENT -7       /* tar_find: no entry has that path */

enum tar_type {
    TAR_FILE,     /* regular file: '0', '\0', '7' */
    TAR_HARDLINK, /* '1': link_name names an earlier entry */
    TAR_SYMLINK,  /* '2': link_name is the target */
    TAR_DIR,      /* '5', 'D', or an old-style '0' entry whose name ends in '/' */
    TAR_OTHER,    /* devices, FIFOs, sparse files, volume labels, unknown types */
};

/*
 * One archive member. name and link_name are NUL-terminated copies; data points at
 * the member's size bytes inside the archive buffer (valid while the buffer is).
 * Entries of types that carry no data in tar (links, directories, devices, FIFOs)
 * have size 0.
 */
struct tar_entry {
    char name[TAR_PATH_MAX];
    char link_name[TAR_PATH_MAX];
    enum tar_type type;
    char typeflag; /* the header's raw type byte */
    uint32_t mode; /* permission bits (07777) */
    uint64_t uid, gid;
    int64_t mtime; /* seconds since 1970 */
    uint64_t size;
    const void *data;
    size_t offset; /* offset of the entry's first header (for messages) */
};

/* Iteration state; fill with tar_iter_init. error is sticky: once set, tar_next returns it. */
struct tar_iter {
    const unsigned char *buf;
    size_t len, pos;
    int error;
    int done;
};

/* Starts iterating over the archive buf[0..len). Never fails. */
void tar_iter_init(struct tar_iter *it, const void *buf, size_t len);

/*
 * Reads the next member into *e (extended headers and long names are applied and not
 * reported themselves). Returns 1 for an entry, 0 at the end of the archive, or a
 * negative TAR_E* code for a malformed archive (and the same code on every later call).
 * When it does not return 1, the contents of *e are unspecified.
 */
int tar_next(struct tar_iter *it, struct tar_entry *e);

/*
 * Finds the member called path in buf[0..len). A leading "/" or "./" (repeated) and
 * trailing slashes are ignored on both sides, so "/bin/sh", "bin/sh" and "./bin/sh"
 * are the same, and "/" finds the archive's "./" entry. If several members have the
 * name, the last one counts (as when extracting). Returns 0 and fills *e, TAR_ENOENT,
 * or a negative TAR_E* code if the archive is malformed anywhere.
 */
int tar_find(const void *buf, size_t len, const char *path, struct tar_entry *e);

/* Returns a short constant description of a TAR_E* code. */
const char *tar_strerror(int code);

#endif

/*
 * The differential test of the VFS against the host's Linux kernel: one script of file
 * operations runs both on a fresh `ram` vfs and in a fresh directory on the host's
 * tmpfs (/dev/shm), and every result (return value or errno, and what the operation
 * shows: stat fields, file text, directory listing) must be the same. Linux is the
 * oracle (BRIEF.md, principle 8). This header is shared by the two sides, so it uses
 * neither the host's headers nor vfs/linux.h; the numbers in scripts are Linux's.
 */
#ifndef VFS_ORACLE_H
#define VFS_ORACLE_H

#include <stddef.h>

enum oracle_kind {
    OR_END,
    OR_MKDIR,          /* a mode */
    OR_RMDIR,          /* a */
    OR_UNLINK,         /* a */
    OR_UNLINKAT,       /* at, a, x=flags */
    OR_RENAME,         /* a -> b, x = renameat2 flags */
    OR_LINK,           /* a -> b, x = linkat flags */
    OR_SYMLINK,        /* target a, path b */
    OR_READLINK,       /* a, x = buffer size (0: 4096) */
    OR_OPEN,           /* slot = openat(at, a, x, y) */
    OR_CLOSE,          /* slot */
    OR_WRITE,          /* slot, text a */
    OR_READ,           /* slot, x bytes */
    OR_PREAD,          /* slot, x bytes at y */
    OR_PWRITE,         /* slot, text a at y */
    OR_LSEEK,          /* slot, offset x, whence y */
    OR_FTRUNCATE,      /* slot, x */
    OR_TRUNCATE,       /* a, x */
    OR_STAT,           /* fstatat(at, a, x) */
    OR_LSTAT,          /* a */
    OR_FSTAT,          /* slot */
    OR_TIMES,          /* a: atime and mtime */
    OR_LS,             /* a: sorted names and types */
    OR_RM_DIR_CONTENT, /* a: read the directory with a small buffer, unlinking each entry
                          as it comes (rm -r); shows how many were removed */
    OR_CHMOD,          /* a, x = mode, y = fchmodat2 flags */
    OR_FCHMOD,         /* slot, x */
    OR_CHOWN,          /* a, x = uid, y = gid (lchown when z) */
    OR_ACCESS,         /* a, x = mode, y = flags */
    OR_CHDIR,          /* a */
    OR_FCHDIR,         /* slot */
    OR_GETCWD,         /* text relative to the section's directory */
    OR_UTIMENS,        /* a (NULL: slot), times x.xn / y.yn (x, xn, y, yn), z = flags */
    OR_DUP,            /* slot2 = dup(slot) */
    OR_DUP2,           /* dup2(slot, slot2's descriptor) */
    OR_DUP3,           /* dup3(slot, slot2's descriptor, x) */
    OR_FCNTL,          /* slot, cmd x, arg y (F_DUPFD: result stored in slot2) */
    OR_FSYNC,          /* slot */
    OR_MKDIRAT,        /* at, a, x */
    OR_WRITEFILE,      /* a: create or truncate with text b */
    OR_CAT,            /* a: the whole text */
    OR_WRITEV,         /* slot: texts a and b as two iovecs; y >= -1: pwritev2 at y */
    OR_READV,          /* slot: iovecs of x and xn bytes; y >= -1: preadv2 at y */
    OR_COPY,           /* copy_file_range(slot, y or NULL if -1, slot2, z or NULL if -1, x, xn) */
    OR_FADVISE,        /* slot, off x, len y, advice z */
    OR_STATX,          /* statx(at, a, flags x, mask y) */
};

struct oracle_op {
    enum oracle_kind kind;
    const char *a, *b;
    long x, y, z, xn, yn;
    int slot, slot2;
    int at; /* *at calls: 0 the working directory, k > 0 slot k - 1 */
};

#define ORACLE_SLOTS 16
#define ORACLE_OUT 1024

/* The host side (oracle_host.c). */
int oracle_host_begin(const char *section); /* a fresh directory; 0 or -errno */
long oracle_host_run(const struct oracle_op *op, char *out, size_t size);
void oracle_host_end(void);
void oracle_host_cleanup(void);

#endif

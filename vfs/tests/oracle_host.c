/*
 * The host side of the differential test (oracle.h): runs each operation with the
 * host's system calls in a fresh directory under /dev/shm (tmpfs, which the ram plugin
 * imitates). Compiled with _GNU_SOURCE; never includes vfs/linux.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "oracle.h"
#include "oracle_common.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

static char base[256];
static char section_dir[512];
static int fds[ORACLE_SLOTS];

static long rc_of(long r)
{
    return r < 0 ? -errno : r;
}

static int dirfd_of(int at)
{
    return at == 0 ? AT_FDCWD : fds[at - 1];
}

static void close_all(void)
{
    int i;
    for (i = 0; i < ORACLE_SLOTS; i++) {
        if (fds[i] >= 0)
            close(fds[i]);
        fds[i] = -1;
    }
}

int oracle_host_begin(const char *section)
{
    static bool made;
    if (!made) {
        int i;
        snprintf(base, sizeof base, "/dev/shm/vfs-oracle-%ld", (long)getpid());
        if (mkdir(base, 0755) < 0)
            return -errno;
        made = true;
        for (i = 0; i < ORACLE_SLOTS; i++)
            fds[i] = -1;
    }
    close_all();
    umask(022);
    snprintf(section_dir, sizeof section_dir, "%s/%s", base, section);
    if (mkdir(section_dir, 0755) < 0 || chdir(section_dir) < 0)
        return -errno;
    return 0;
}

void oracle_host_end(void)
{
    close_all();
    if (chdir("/") < 0)
        perror("chdir");
}

static int rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

void oracle_host_cleanup(void)
{
    if (base[0])
        nftw(base, rm, 16, FTW_DEPTH | FTW_PHYS);
}

static long do_stat(int r, const struct stat *st, char *out, size_t size)
{
    if (r < 0)
        return -errno;
    oracle_fmt_stat(out, size, st->st_mode, st->st_nlink, st->st_size, st->st_blocks, st->st_uid,
                    st->st_gid);
    return 0;
}

static long list(const char *path, char *out, size_t size)
{
    struct oracle_list *l = malloc(sizeof *l);
    char buf[4096];
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    long n;
    if (fd < 0) {
        free(l);
        return -errno;
    }
    oracle_list_begin(l);
    while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
        long off = 0;
        while (off < n) {
            struct dirent64 *d = (struct dirent64 *)(buf + off);
            oracle_list_add(l, d->d_name, d->d_type);
            off += d->d_reclen;
        }
    }
    close(fd);
    oracle_list_format(l, out, size);
    free(l);
    return n < 0 ? -errno : 0;
}

static long rm_content(const char *path, char *out, size_t size)
{
    char buf[128];
    int fd = open(path, O_RDONLY | O_DIRECTORY), removed = 0;
    long n;
    if (fd < 0)
        return -errno;
    while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
        long off = 0;
        while (off < n) {
            struct dirent64 *d = (struct dirent64 *)(buf + off);
            if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..")) {
                if (unlinkat(fd, d->d_name, d->d_type == DT_DIR ? AT_REMOVEDIR : 0) == 0)
                    removed++;
            }
            off += d->d_reclen;
        }
    }
    close(fd);
    snprintf(out, size, "removed=%d", removed);
    return n < 0 ? -errno : 0;
}

long oracle_host_run(const struct oracle_op *op, char *out, size_t size)
{
    struct stat st;
    char buf[8192];
    long r;
    out[0] = '\0';
    switch (op->kind) {
    case OR_END:
        return 0;
    case OR_MKDIR:
        return rc_of(mkdir(op->a, (mode_t)op->x));
    case OR_MKDIRAT:
        return rc_of(mkdirat(dirfd_of(op->at), op->a, (mode_t)op->x));
    case OR_RMDIR:
        return rc_of(rmdir(op->a));
    case OR_UNLINK:
        return rc_of(unlink(op->a));
    case OR_UNLINKAT:
        return rc_of(unlinkat(dirfd_of(op->at), op->a, (int)op->x));
    case OR_RENAME:
        return rc_of(syscall(SYS_renameat2, AT_FDCWD, op->a, AT_FDCWD, op->b, op->x));
    case OR_LINK:
        return rc_of(linkat(AT_FDCWD, op->a, AT_FDCWD, op->b, (int)op->x));
    case OR_SYMLINK:
        return rc_of(symlink(op->a, op->b));
    case OR_READLINK:
        r = rc_of(readlink(op->a, buf, op->x ? (size_t)op->x : sizeof buf));
        if (r >= 0)
            oracle_fmt_data(out, size, buf, r);
        return r;
    case OR_OPEN:
        r = rc_of(openat(dirfd_of(op->at), op->a, (int)op->x, (mode_t)op->y));
        if (r >= 0) {
            if (fds[op->slot] >= 0)
                close(fds[op->slot]);
            fds[op->slot] = (int)r;
        }
        return r;
    case OR_CLOSE:
        r = rc_of(close(fds[op->slot]));
        fds[op->slot] = -1;
        return r;
    case OR_WRITE:
        return rc_of(write(fds[op->slot], op->a, strlen(op->a)));
    case OR_READ:
        r = rc_of(read(fds[op->slot], buf, (size_t)op->x));
        if (r >= 0)
            oracle_fmt_data(out, size, buf, r);
        return r;
    case OR_PREAD:
        r = rc_of(pread(fds[op->slot], buf, (size_t)op->x, op->y));
        if (r >= 0)
            oracle_fmt_data(out, size, buf, r);
        return r;
    case OR_PWRITE:
        return rc_of(pwrite(fds[op->slot], op->a, strlen(op->a), op->y));
    case OR_LSEEK:
        return rc_of(lseek(fds[op->slot], op->x, (int)op->y));
    case OR_FTRUNCATE:
        return rc_of(ftruncate(fds[op->slot], op->x));
    case OR_TRUNCATE:
        return rc_of(truncate(op->a, op->x));
    case OR_STAT:
        return do_stat(fstatat(dirfd_of(op->at), op->a, &st, (int)op->x), &st, out, size);
    case OR_LSTAT:
        return do_stat(lstat(op->a, &st), &st, out, size);
    case OR_FSTAT:
        return do_stat(fstat(fds[op->slot], &st), &st, out, size);
    case OR_TIMES:
        if (lstat(op->a, &st) < 0)
            return -errno;
        oracle_fmt_times(out, size, st.st_atim.tv_sec, st.st_atim.tv_nsec, st.st_mtim.tv_sec,
                         st.st_mtim.tv_nsec);
        return 0;
    case OR_LS:
        return list(op->a, out, size);
    case OR_RM_DIR_CONTENT:
        return rm_content(op->a, out, size);
    case OR_CHMOD:
        r = rc_of(syscall(SYS_fchmodat2, AT_FDCWD, op->a, op->x, op->y));
        if (r == -ENOSYS) /* before Linux 6.6: glibc's fchmodat does the same checks */
            r = rc_of(fchmodat(AT_FDCWD, op->a, (mode_t)op->x, (int)op->y));
        return r;
    case OR_FCHMOD:
        return rc_of(fchmod(fds[op->slot], (mode_t)op->x));
    case OR_CHOWN:
        if (op->z)
            return rc_of(lchown(op->a, (uid_t)op->x, (gid_t)op->y));
        return rc_of(chown(op->a, (uid_t)op->x, (gid_t)op->y));
    case OR_ACCESS:
        return rc_of(syscall(SYS_faccessat2, AT_FDCWD, op->a, op->x, op->y));
    case OR_CHDIR:
        return rc_of(chdir(op->a));
    case OR_FCHDIR:
        return rc_of(fchdir(fds[op->slot]));
    case OR_GETCWD: {
        size_t l = strlen(section_dir);
        r = rc_of(syscall(SYS_getcwd, buf, sizeof buf));
        if (r < 0)
            return r;
        if (strncmp(buf, section_dir, l) == 0)
            snprintf(out, size, "/%s", buf[l] == '/' ? buf + l + 1 : buf + l);
        else
            snprintf(out, size, "outside: %s", buf);
        return 0;
    }
    case OR_UTIMENS: {
        struct timespec ts[2] = {{op->x, op->xn}, {op->y, op->yn}};
        if (!op->a)
            return rc_of(futimens(fds[op->slot], ts));
        return rc_of(utimensat(AT_FDCWD, op->a, ts, (int)op->z));
    }
    case OR_DUP:
        r = rc_of(dup(fds[op->slot]));
        if (r >= 0)
            fds[op->slot2] = (int)r;
        return r;
    case OR_DUP2:
        return rc_of(dup2(fds[op->slot], fds[op->slot2]));
    case OR_DUP3:
        return rc_of(dup3(fds[op->slot], fds[op->slot2], (int)op->x));
    case OR_FCNTL:
        r = rc_of(fcntl(fds[op->slot], (int)op->x, op->y));
        if (r >= 0 && (op->x == F_DUPFD || op->x == F_DUPFD_CLOEXEC))
            fds[op->slot2] = (int)r;
        return r;
    case OR_FSYNC:
        return rc_of(fsync(fds[op->slot]));
    case OR_WRITEFILE: {
        int fd = open(op->a, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0)
            return -errno;
        r = rc_of(write(fd, op->b, strlen(op->b)));
        close(fd);
        return r;
    }
    case OR_CAT: {
        int fd = open(op->a, O_RDONLY);
        long n, total = 0;
        if (fd < 0)
            return -errno;
        while ((n = read(fd, buf + total, sizeof buf - (size_t)total)) > 0)
            total += n;
        r = n < 0 ? -errno : 0;
        close(fd);
        if (r == 0)
            oracle_fmt_data(out, size, buf, total);
        return r;
    }
    case OR_WRITEV: {
        struct iovec iov[2] = {{(void *)op->a, strlen(op->a)}, {(void *)op->b, strlen(op->b)}};
        if (op->y < -1)
            return rc_of(writev(fds[op->slot], iov, 2));
        return rc_of(pwritev2(fds[op->slot], iov, 2, op->y, 0));
    }
    case OR_READV: {
        struct iovec iov[2] = {{buf, (size_t)op->x}, {buf + op->x, (size_t)op->xn}};
        r = op->y < -1 ? rc_of(readv(fds[op->slot], iov, 2))
                       : rc_of(preadv2(fds[op->slot], iov, 2, op->y, 0));
        if (r >= 0)
            oracle_fmt_data(out, size, buf, r);
        return r;
    }
    case OR_COPY: {
        loff_t in = op->y, outo = op->z;
        r = rc_of(copy_file_range(fds[op->slot], op->y < 0 ? NULL : &in, fds[op->slot2],
                                  op->z < 0 ? NULL : &outo, (size_t)op->x, (unsigned)op->xn));
        if (r >= 0)
            snprintf(out, size, "in=%lld out=%lld", (long long)in, (long long)outo);
        return r;
    }
    case OR_FADVISE:
        r = posix_fadvise(fds[op->slot], op->x, op->y, (int)op->z);
        return -r;
    case OR_STATX: {
        struct statx sx;
        r = rc_of(statx(dirfd_of(op->at), op->a, (int)op->x, (unsigned)op->y, &sx));
        if (r >= 0)
            snprintf(out, size, "mask=%x mode=%o nlink=%u size=%llu blocks=%llu blksize=%u",
                     sx.stx_mask & 0x7ff, sx.stx_mode, sx.stx_nlink,
                     (unsigned long long)sx.stx_size, (unsigned long long)sx.stx_blocks,
                     sx.stx_blksize);
        return r;
    }
    }
    return -ENOSYS;
}

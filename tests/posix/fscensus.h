/*
 * What the two files of fscensus share (fscensus.c: opening, reading and writing, stat,
 * directories, links, renames, and main; fscensus_attr.c: the working directory, access,
 * descriptor flags, truncation, times, modes and owners, statfs, copies, devices, mapped
 * files and other file systems): the checks that print PASS and FAIL lines, and small
 * questions about files.
 */
#ifndef FSCENSUS_H
#define FSCENSUS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#endif
#ifndef AT_EACCESS
#define AT_EACCESS 0x200
#endif

extern int is_root;
extern char workdir[PATH_MAX]; /* absolute path of the working directory */

/* One PASS or FAIL line (with detail) for the case name. */
void check(const char *name, int ok, const char *detail);
/* The call returned -1 with errno e. */
void check_err(const char *name, long r, int e);
/* The call succeeded (returned >= 0). */
void check_ok(const char *name, long r);
void check_eq(const char *name, long got, long want);
/* Root-aware: as root the call must succeed, otherwise fail with errno e. */
void check_denied(const char *name, long r, int e);
/* Creates (or truncates) path with mode 0644 and the given contents; 0 or -1. */
int make_file(const char *path, const char *data);
/* Whether the file at path holds exactly data. */
int file_is(const char *path, const char *data);
/* stat's size, lstat's inode number and link count, or -1. */
long size_of(const char *path);
long ino_of(const char *path);
long nlink_of(const char *path);
int exists(const char *path);
/* lstat says the type and the permission bits (07777) are these. */
int mode_is(const char *path, mode_t type, mode_t perm);
int all_zero(const char *b, size_t n);

/* The cases of fscensus_attr.c. */
void test_cwd(void);
void test_access(void);
void test_fcntl_dup(void);
void test_truncate_sync(void);
void test_times(void);
void test_modes_owners(void);
void test_statfs_ioctl(void);
void test_copy_fadvise(void);
void test_devices(void);
void test_cross_fs(const char *other);
void test_mmap_files(void);

#endif

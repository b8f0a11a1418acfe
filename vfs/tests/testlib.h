/*
 * Shared helpers of the VFS and plugin host tests: a case runner printing one
 * "PASS name" / "FAIL name: reason" line per case, checks, an environment whose
 * allocator counts live bytes (every case must end with none: no leaks), a settable
 * clock, named modules (tar archives), and a vfs built from configuration text with
 * every plugin of vfs-plugins/.
 */
#ifndef VFS_TESTLIB_H
#define VFS_TESTLIB_H

#include <capix/config.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <vfs/fd_table.h>
#include <vfs/linux.h>
#include <vfs/plugin.h>
#include <vfs/vfs.h>

extern bool tl_failed;
extern uint64_t tl_clock_ns;     /* what now_ns answers; cases may set it */
extern struct vfs_env tl_env;    /* the counting environment */
extern long tl_alloc_fail_after; /* >= 0: the allocation after this many more fails */

__attribute__((format(printf, 2, 3))) void tl_fail(int line, const char *fmt, ...);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            tl_fail(__LINE__, "%s", #cond);                                                        \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_INT(got, want)                                                                       \
    do {                                                                                           \
        long long got_ = (long long)(got), want_ = (long long)(want);                              \
        if (got_ != want_) {                                                                       \
            tl_fail(__LINE__, "%s is %lld (%s), expected %lld (%s)", #got, got_, tl_errname(got_), \
                    want_, tl_errname(want_));                                                     \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_STR(got, want)                                                                       \
    do {                                                                                           \
        const char *got_ = (got), *want_ = (want);                                                 \
        if (!got_ || strcmp(got_, want_) != 0) {                                                   \
            tl_fail(__LINE__, "%s is \"%s\", expected \"%s\"", #got, got_ ? got_ : "(null)",       \
                    want_);                                                                        \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_CONTAINS(got, want)                                                                  \
    do {                                                                                           \
        const char *got_ = (got), *want_ = (want);                                                 \
        if (!got_ || !strstr(got_, want_)) {                                                       \
            tl_fail(__LINE__, "%s is \"%s\", expected it to contain \"%s\"", #got,                 \
                    got_ ? got_ : "(null)", want_);                                                \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* Runs one case (a fresh environment each time) and prints its line. */
#define RUN(fn) tl_run(#fn, fn)
void tl_run(const char *name, void (*fn)(void));
/* Returns the exit status: 0 iff every case passed. */
int tl_finish(void);

/* "ENOENT" for -2, "" for values >= 0. */
const char *tl_errname(long long v);

/* Registers a module (tar archive) for env->module. */
void tl_add_module(const char *name, const void *data, size_t len);

/* Builds a vfs from configuration text (the text is wrapped in "vfs { ... }" unless
 * it starts with "vfs"); the case fails and NULL is returned if that does not work.
 * The vfs is destroyed at the end of the case. */
struct vfs *tl_vfs(const char *text);
/* Builds expecting a configuration error; returns "FILE:LINE:COL: MSG" or NULL (and
 * fails the case) if the vfs could be built. */
const char *tl_vfs_error(const char *text);

/* Convenience: whole-file helpers on a vfs, returning 0 or -errno. */
int tl_write(struct vfs *v, const char *path, const char *text);
int tl_append(struct vfs *v, const char *path, const char *text);
/* Reads a whole file into a static buffer; returns it or NULL (errno in *err). */
const char *tl_read(struct vfs *v, const char *path, int *err);
/* Lists a directory's names (without . and ..) in readdir order, separated by ' '. */
const char *tl_ls(struct vfs *v, const char *path);
/* The same, sorted. */
const char *tl_ls_sorted(struct vfs *v, const char *path);

#endif

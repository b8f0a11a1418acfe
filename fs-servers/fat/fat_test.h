/*
 * What the two files of fat_test share: images made by the host's mkfs.fat under
 * FAT_TEST_DIR, mounts that are undone after each case (CASE), shell commands and
 * mtools command lines, and the cases of fat_damage_test.c (crashes and corrupt
 * images), which fat_test.c's main runs with its own.
 */
#ifndef FAT_TEST_H
#define FAT_TEST_H

#include "../../vfs/tests/testlib.h"
#include "fat.h"
#include "host_blockdev.h"

#include <stdarg.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vfs_plugins.h>

extern char cfg_mem[1 << 16]; /* the configuration arena of each mount */

/* Unmounts v now (the image is then complete on the host). */
void unmount(struct vfs *v);
/* Unmounts what the case left mounted. */
void cleanup(void);
/* Runs one case and unmounts what it left mounted. */
#define CASE(fn)                                                                                   \
    static void fn##_case(void)                                                                    \
    {                                                                                              \
        fn();                                                                                      \
        cleanup();                                                                                 \
    }

/* Runs a shell command line; returns its exit status. */
int sh(const char *fmt, ...);
/* Runs a command and returns its output (static buffer). */
const char *sh_out(const char *fmt, ...);
/* The path of image name under FAT_TEST_DIR (one of four static buffers). */
const char *img(const char *name);
/* Makes a fresh image of size_kib with mkfs.fat -F bits. */
int mkimage(const char *name, int bits, unsigned size_kib, const char *extra);
/* Mounts the image (label = its name) as the root of a new vfs with options. */
struct vfs *mount_fat(const char *name, const char *opts);
/* "MTOOLS_SKIP_CHECK=1 ... %s -i IMAGE": a format for an mtools command on the image. */
const char *mcmd(const char *name);
/* fsck.fat -n on the image (its output in IMAGE.fsck); its exit status. */
int fsck_clean(const char *name);
/* Fills buf with a pattern that differs with seed and position. */
void pattern(char *buf, size_t n, unsigned seed);

/* The cases of fat_damage_test.c. */
void fat_damage_cases(void);
/* The cases of fat_index_test.c (directories' name index). */
void fat_index_cases(void);

#endif

/*
 * What the two files of vfs_test share: a stat buffer with the helpers that fill it, and
 * the cases of vfs_fd_test.c (descriptors and descriptions, permissions, devices), which
 * vfs_test.c's main runs after its own (the mount tree and the path walk).
 */
#ifndef VFS_TEST_H
#define VFS_TEST_H

#include "testlib.h"

extern struct linux_stat st;
/* vfs_fstatat into st, following a last symlink (sta) or not (lsta); 0 or -errno. */
int sta(struct vfs *v, const char *path);
int lsta(struct vfs *v, const char *path);

void vfs_fd_cases(void);

#endif

/*
 * Permission rules on credentials, written once for the runtime's VFS (vfs/core.c,
 * open.c, attr.c) and the file-system servers (fs-servers/lib, for sub-clients whose
 * credentials the launcher set: docs/sandboxes.md, "Credentials"), so that the two
 * cannot drift apart. Linux's rules: generic_permission, the sticky bit's
 * may_delete, chown_ok, inode_owner_or_capable. Pure functions of the credentials and
 * the attributes; no state.
 */
#ifndef VFS_PERM_H
#define VFS_PERM_H

#include <stdbool.h>
#include <stdint.h>
#include <vfs/linux.h>

#define VFS_CRED_GROUPS 64 /* supplementary groups (the launcher's limit) */

/* Linux's capability numbers the rules use (bit n of vfs_cred.caps) */
#define VFS_CAP_CHOWN 0
#define VFS_CAP_DAC_OVERRIDE 1
#define VFS_CAP_DAC_READ_SEARCH 2
#define VFS_CAP_FOWNER 3
#define VFS_CAP_FSETID 4
#define VFS_CAP_MKNOD 27

/* Who asks: the fs uid and gid, the supplementary groups (ngroups of groups) and the
 * effective capabilities (bit n: Linux's capability n). */
struct vfs_cred {
    uint32_t uid, gid;
    uint64_t caps;
    uint32_t ngroups;
    uint32_t groups[VFS_CRED_GROUPS];
};

static inline bool vfs_cred_capable(const struct vfs_cred *c, unsigned cap)
{
    return (c->caps >> cap) & 1;
}

/* Whether gid is the fs gid or one of the supplementary groups. */
bool vfs_cred_in_group(const struct vfs_cred *c, uint32_t gid);
/* Access mask (R_OK|W_OK|X_OK bits) to a file of attributes st: 0 or -EACCES. */
int vfs_cred_may(const struct vfs_cred *c, const struct linux_stat *st, int mask);
/* Removing or replacing a name of a file owned by victim_uid in directory dir (whose
 * write and search permission the caller checked): 0 or -EPERM (the sticky bit). */
int vfs_cred_sticky(const struct vfs_cred *c, const struct linux_stat *dir, uint32_t victim_uid);
/* Whether c owns the file or has CAP_FOWNER (chmod, explicit times, set-id bits). */
bool vfs_cred_owner(const struct vfs_cred *c, const struct linux_stat *st);
/* chown to uid and gid ((uint32_t)-1: unchanged) of a file of attributes st: 0 or -EPERM. */
int vfs_cred_chown(const struct vfs_cred *c, const struct linux_stat *st, uint32_t uid,
                   uint32_t gid);
/* The mode a chmod by c stores: set-group-id goes when c is outside the file's group and
 * lacks CAP_FSETID. */
uint32_t vfs_cred_chmod_mode(const struct vfs_cred *c, const struct linux_stat *st, uint32_t mode);
/* Setting times: explicit ones need the owner or CAP_FOWNER (-EPERM), "now" write
 * permission as well (-EACCES). */
int vfs_cred_times(const struct vfs_cred *c, const struct linux_stat *st, bool explicit_time);

#endif

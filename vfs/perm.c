/*
 * Permission rules on credentials (vfs/perm.h): what the runtime's VFS and the
 * file-system servers both check, as Linux's generic_permission, may_delete's sticky
 * rule, chown_ok and inode_owner_or_capable do. The credentials are the caller's
 * (the runtime's own, or those the launcher gave a server's sub-client).
 */
#include <vfs/perm.h>

bool vfs_cred_in_group(const struct vfs_cred *c, uint32_t gid)
{
    if (c->gid == gid)
        return true;
    for (uint32_t i = 0; i < c->ngroups && i < VFS_CRED_GROUPS; i++)
        if (c->groups[i] == gid)
            return true;
    return false;
}

int vfs_cred_may(const struct vfs_cred *c, const struct linux_stat *st, int mask)
{
    uint32_t bits;
    mask &= R_OK | W_OK | X_OK;
    if (c->uid == st->st_uid)
        bits = st->st_mode >> 6;
    else if (vfs_cred_in_group(c, st->st_gid))
        bits = st->st_mode >> 3;
    else
        bits = st->st_mode;
    if (!(mask & ~bits & 7))
        return 0;
    /* what the capabilities override, as Linux's generic_permission: reading and
     * searching (CAP_DAC_READ_SEARCH), anything but running a file nobody may run
     * (CAP_DAC_OVERRIDE) */
    if (S_ISDIR(st->st_mode)) {
        if (!(mask & W_OK) && vfs_cred_capable(c, VFS_CAP_DAC_READ_SEARCH))
            return 0;
        return vfs_cred_capable(c, VFS_CAP_DAC_OVERRIDE) ? 0 : -EACCES;
    }
    if (mask == R_OK && vfs_cred_capable(c, VFS_CAP_DAC_READ_SEARCH))
        return 0;
    if ((!(mask & X_OK) || (st->st_mode & 0111)) && vfs_cred_capable(c, VFS_CAP_DAC_OVERRIDE))
        return 0;
    return -EACCES;
}

int vfs_cred_sticky(const struct vfs_cred *c, const struct linux_stat *dir, uint32_t victim_uid)
{
    if (!(dir->st_mode & S_ISVTX) || vfs_cred_capable(c, VFS_CAP_FOWNER) || c->uid == dir->st_uid ||
        c->uid == victim_uid)
        return 0;
    return -EPERM;
}

bool vfs_cred_owner(const struct vfs_cred *c, const struct linux_stat *st)
{
    return c->uid == st->st_uid || vfs_cred_capable(c, VFS_CAP_FOWNER);
}

int vfs_cred_chown(const struct vfs_cred *c, const struct linux_stat *st, uint32_t uid,
                   uint32_t gid)
{
    if (vfs_cred_capable(c, VFS_CAP_CHOWN))
        return 0;
    if (uid != (uint32_t)-1 && (c->uid != st->st_uid || uid != st->st_uid))
        return -EPERM;
    if (gid != (uint32_t)-1 &&
        (c->uid != st->st_uid || (gid != st->st_gid && !vfs_cred_in_group(c, gid))))
        return -EPERM;
    return 0;
}

uint32_t vfs_cred_chmod_mode(const struct vfs_cred *c, const struct linux_stat *st, uint32_t mode)
{
    mode &= 07777;
    if (!vfs_cred_in_group(c, st->st_gid) && !vfs_cred_capable(c, VFS_CAP_FSETID))
        mode &= ~(uint32_t)S_ISGID;
    return mode;
}

int vfs_cred_times(const struct vfs_cred *c, const struct linux_stat *st, bool explicit_time)
{
    if (vfs_cred_owner(c, st))
        return 0;
    if (explicit_time)
        return -EPERM;
    return vfs_cred_may(c, st, W_OK);
}

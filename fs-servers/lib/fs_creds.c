/*
 * Whose request it is (docs/sandboxes.md, "Credentials"): a request served with
 * credentials (fs_server_handle_as: a sub-client's, which the launcher set) is checked
 * by the shared rules of vfs/perm.h, as the runtime's VFS checks its own calls; a
 * request without (fs_server_handle: the session's owner, such as the launcher or a
 * component that holds a whole session) is not, as before. The checks come after the
 * protocol's own (numbers, names, read-only) and before any change, in Linux's order.
 */
#include "fs_server_internal.h"

void fs_server_handle_as(struct fs_server *s, struct fs_session *ss, const struct vfs_cred *cred,
                         struct fs_msg *m, struct fs_buf *buf)
{
    if (ss)
        ss->cred = cred;
    fs_server_handle(s, ss, m, buf);
    if (ss)
        ss->cred = NULL;
}

int fs_may(const struct fs_session *ss, struct vfs_node *n, int mask)
{
    struct linux_stat st;
    int rc;
    if (!ss->cred)
        return 0;
    rc = vfs_getattr(n, &st);
    if (rc < 0)
        return rc;
    return vfs_cred_may(ss->cred, &st, mask);
}

int fs_may_remove(const struct fs_session *ss, struct vfs_node *dir, struct vfs_node *victim)
{
    struct linux_stat dst, vst;
    int rc;
    if (!ss->cred)
        return 0;
    if ((rc = vfs_getattr(dir, &dst)) < 0 || (rc = vfs_cred_may(ss->cred, &dst, W_OK | X_OK)) < 0)
        return rc;
    if (!victim)
        return 0;
    if ((rc = vfs_getattr(victim, &vst)) < 0)
        return rc;
    return vfs_cred_sticky(ss->cred, &dst, vst.st_uid);
}

int fs_may_setattr(const struct fs_session *ss, struct vfs_node *n, struct vfs_setattr *a,
                   bool explicit_time)
{
    struct linux_stat st;
    int rc;
    if (!ss->cred)
        return 0;
    if ((rc = vfs_getattr(n, &st)) < 0)
        return rc;
    if (a->mask & VFS_SET_MODE) {
        if (!vfs_cred_owner(ss->cred, &st))
            return -EPERM;
        a->mode = vfs_cred_chmod_mode(ss->cred, &st, a->mode);
    }
    if ((a->mask & (VFS_SET_UID | VFS_SET_GID)) &&
        (rc = vfs_cred_chown(ss->cred, &st, (a->mask & VFS_SET_UID) ? a->uid : (uint32_t)-1,
                             (a->mask & VFS_SET_GID) ? a->gid : (uint32_t)-1)) < 0)
        return rc;
    if ((a->mask & (VFS_SET_ATIME | VFS_SET_MTIME)) && !(a->mask & VFS_SET_SIZE) &&
        (rc = vfs_cred_times(ss->cred, &st, explicit_time)) < 0)
        return rc;
    if ((a->mask & VFS_SET_SIZE) && (rc = vfs_cred_may(ss->cred, &st, W_OK)) < 0)
        return rc;
    return 0;
}

void fs_cred_create(const struct fs_session *ss, struct vfs_create_args *a)
{
    if (!ss->cred)
        return;
    a->uid = ss->cred->uid;
    a->gid = ss->cred->gid;
}

void fs_session_charge(struct fs_session *ss, uint64_t n)
{
    quota_charge(ss, n);
}

void fs_session_credit(struct fs_session *ss, uint64_t n)
{
    quota_credit(ss, n);
}

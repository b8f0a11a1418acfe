/*
 * Host tests of the file-system server library, part of fs_server_test
 * (fs_server_test.h): requests of sub-clients (fs_server_handle_as) checked against
 * their credentials as Linux checks a process's (docs/sandboxes.md, "Credentials"):
 * root's files in a sticky /tmp against nobody, chmod and unlink by another uid, root's
 * capabilities, and the owner's requests unchecked.
 */
#include "fs_server_test.h"

#define ALL_CAPS ((1ull << 41) - 1)

static const struct vfs_cred root_cred = {.uid = 0, .gid = 0, .caps = ALL_CAPS};
static const struct vfs_cred nobody = {.uid = 65534, .gid = 65534};
static const struct vfs_cred user = {.uid = 1000, .gid = 1000, .ngroups = 1, .groups = {20}};
static const struct vfs_cred root_nocaps = {.uid = 0, .gid = 0};

static int64_t as(const struct vfs_cred *c)
{
    call_cred = c;
    return 0;
}

static int64_t mode_of(struct fs_session *ss, int64_t n)
{
    return stat_of(ss, n).st_mode & 07777;
}

static void cred_sticky_tmp(void)
{
    struct fs_session *ss;
    struct fs_setattr a = {0};
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &ss), 0);
    int64_t root = attach(ss);
    int64_t tmp = create(ss, root, "tmp", S_IFDIR | 01777);
    CHECK(tmp > 0);
    as(&root_cred);
    int64_t secret = create(ss, tmp, "secret", S_IFREG | 0600);
    CHECK(secret > 0);
    CHECK_INT(stat_of(ss, secret).st_uid, 0);
    int64_t h = open_(ss, secret, O_RDWR);
    CHECK(h > 0);
    CHECK_INT(write_(ss, h, "root only", 0), 9);
    CHECK_INT(call(ss, FS_CLOSE, (uint64_t)h, 0, 0, 0, 0), 0);
    /* nobody: finds it, cannot open it for reading or writing, nor remove, chmod,
     * chown, truncate or rename it */
    as(&nobody);
    int64_t n = lookup(ss, tmp, "secret");
    CHECK(n > 0);
    CHECK_INT(open_(ss, n, O_RDONLY), -EACCES);
    CHECK_INT(open_(ss, n, O_WRONLY), -EACCES);
    CHECK_INT(open_(ss, n, O_RDONLY | O_TRUNC), -EACCES);
    CHECK_INT(unlink_(ss, tmp, "secret", 0), -EPERM);
    CHECK_INT(rename_(ss, tmp, "secret", tmp, "mine", 0), -EPERM);
    a.mask = VFS_SET_MODE;
    a.mode = 0666;
    CHECK_INT(setattr(ss, n, &a), -EPERM);
    a.mask = VFS_SET_UID | VFS_SET_GID;
    a.uid = a.gid = 65534;
    CHECK_INT(setattr(ss, n, &a), -EPERM);
    a.mask = VFS_SET_SIZE;
    a.size = 0;
    CHECK_INT(setattr(ss, n, &a), -EACCES);
    /* its own file in the sticky /tmp: made with its ids, and its to change */
    int64_t own = create(ss, tmp, "own", S_IFREG | 0644);
    CHECK(own > 0);
    CHECK_INT(stat_of(ss, own).st_uid, 65534);
    CHECK_INT(stat_of(ss, own).st_gid, 65534);
    a.mask = VFS_SET_MODE;
    a.mode = 0600;
    CHECK_INT(setattr(ss, own, &a), 0);
    CHECK_INT(mode_of(ss, own), 0600);
    /* another uid: may not chmod or remove nobody's file in the sticky directory */
    as(&user);
    CHECK_INT(setattr(ss, own, &a), -EPERM);
    CHECK_INT(unlink_(ss, tmp, "own", 0), -EPERM);
    CHECK_INT(open_(ss, own, O_RDONLY), -EACCES);
    /* root: opens the 0600 file of another uid and removes it from the sticky directory */
    as(&root_cred);
    h = open_(ss, own, O_RDONLY);
    CHECK(h > 0);
    CHECK_INT(call(ss, FS_CLOSE, (uint64_t)h, 0, 0, 0, 0), 0);
    CHECK_INT(unlink_(ss, tmp, "own", 0), 0);
    /* root without its capabilities is another user */
    as(&root_nocaps);
    CHECK_INT(unlink_(ss, tmp, "nothere", 0), -ENOENT);
    int64_t pub = create(ss, root, "pub", S_IFREG | 0644);
    CHECK(pub > 0);
    as(&nobody);
    CHECK_INT(open_(ss, pub, O_WRONLY), -EACCES);
    CHECK(open_(ss, pub, O_RDONLY) > 0);
    /* the owner's requests are not checked */
    as(NULL);
    h = open_(ss, secret, O_RDONLY);
    CHECK(h > 0);
    CHECK_INT(call(ss, FS_CLOSE, (uint64_t)h, 0, 0, 0, 0), 0);
    fs_session_close(ss);
}

static void cred_search_and_groups(void)
{
    struct fs_session *ss;
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &ss), 0);
    int64_t root = attach(ss);
    as(&root_cred);
    int64_t priv = create(ss, root, "priv", S_IFDIR | 0700);
    CHECK(priv > 0);
    CHECK(create(ss, priv, "f", S_IFREG | 0644) > 0);
    int64_t grp = create(ss, root, "grp", S_IFREG | 0640);
    CHECK(grp > 0);
    struct fs_setattr a = {.mask = VFS_SET_GID, .gid = 20};
    CHECK_INT(setattr(ss, grp, &a), 0);
    as(&user);
    CHECK_INT(lookup(ss, priv, "f"), -EACCES); /* no search permission */
    CHECK_INT(create(ss, priv, "g", S_IFREG | 0644), -EACCES);
    CHECK_INT(create(ss, root, "g", S_IFREG | 0644), -EACCES); /* / is 0755 root's */
    CHECK_INT(call(ss, FS_READDIR, (uint64_t)priv, 2, 4096, 0, 0), -EACCES);
    int64_t h = open_(ss, grp, O_RDONLY); /* a supplementary group's file */
    CHECK(h > 0);
    CHECK_INT(call(ss, FS_CLOSE, (uint64_t)h, 0, 0, 0, 0), 0);
    CHECK_INT(call(ss, FS_GONE, 1000, 0, 0, 0, 0), -EPERM); /* the owner's alone */
    as(NULL);
    fs_session_close(ss);
}

void fs_server_cred_cases(void)
{
    CASE(cred_sticky_tmp);
    CASE(cred_search_and_groups);
}

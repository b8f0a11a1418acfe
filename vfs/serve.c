/*
 * The composition as a file-system server sees it (fs-servers/lib): one directory at a
 * time, by node, with no path walk, no descriptors and no permission checks (the server
 * applies its per-session policy instead). The rules are the path walk's (walk.c) and
 * open.c's: mount points are crossed, `..` goes up across mounts but never above the
 * root, names of a composition directory live in its backing directory.
 */
#include "vfs_internal.h"

struct vfs_node *vfs_root_node(struct vfs *v)
{
    return &v->root->node;
}

int vfs_node_lookup(struct vfs *v, struct vfs_node *dir, const char *name, size_t len,
                    struct vfs_node **out)
{
    if (!S_ISDIR(dir->type))
        return -ENOTDIR;
    if (len == 2 && name[0] == '.' && name[1] == '.')
        return vfs_step_up(v, dir, out);
    if (!dir->fs->ops->lookup)
        return -ENOENT;
    /* a composition directory answers with its entries or its backing's nodes; a
     * plain directory's children are plain (composition directories have composition
     * parents), as the walk relies on */
    return dir->fs->ops->lookup(dir, name, len, out);
}

struct vfs_node *vfs_names_dir(struct vfs_node *dir, bool make)
{
    if (make && vfs_is_cdir(dir))
        return vfs_cdir_backing_make(vfs_cdir_of(dir));
    return vfs_effective_dir(dir);
}

struct vfs_node *vfs_attr_node(struct vfs_node *n)
{
    struct vfs_node *b;
    if (vfs_is_cdir(n)) {
        b = vfs_cdir_backing(vfs_cdir_of(n));
        if (b)
            return b;
    }
    vfs_node_get(n);
    return n;
}

bool vfs_is_mount_entry(struct vfs_node *dir, const char *name, size_t len)
{
    return vfs_is_cdir(dir) && vfs_cdir_entry(vfs_cdir_of(dir), name, len);
}

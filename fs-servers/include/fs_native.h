/*
 * The native file-system server (fs-servers/lib/fs_native.c): the server library with
 * IPC, sessions and per-label policies around it. ram_fs and the vfs server are each a
 * main() that calls fs_native_main.
 */
#ifndef FS_NATIVE_H
#define FS_NATIVE_H

enum fs_native_kind {
    FS_NATIVE_TREE, /* one tree plugin instance: a node such as `ram size=32M` (default ram) */
    FS_NATIVE_VFS,  /* a VFS composition: a `vfs { ... }` node */
};

/* Reads the component's config, announces File_system to the parent and serves
 * sessions until the component ends; name prefixes its log lines. Returns only on a
 * start-up failure (2, after saying why). */
int fs_native_main(const char *name, enum fs_native_kind kind);

/* The same for a server of one tree plugin that is not among the runtime's plugins
 * (fat): its config node names it, and it is the default. */
struct vfs_plugin;
int fs_native_main_with(const char *name, const struct vfs_plugin *tree);

#endif

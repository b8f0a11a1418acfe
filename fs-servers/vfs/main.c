/*
 * The vfs server: serves a whole VFS composition, built from a `vfs { ... }` block with
 * the plugins a POSIX process has (a tar archive, ram trees, ...), as File_system
 * sessions with per-label policies, so that many components share one tree
 * (fs-servers/vfs/README.md). Everything is in fs-servers/lib (fs_native.c: IPC and
 * sessions; fs-servers/lib/: the protocol).
 */
#include "fs_native.h"

int main(int argc, char **argv)
{
    return fs_native_main("vfs", FS_NATIVE_VFS);
}

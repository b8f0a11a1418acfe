/*
 * ram_fs: a file-system server for one tree plugin instance, by default a `ram` file
 * system that many clients share (files, directories, links, modes, times, atomic
 * rename), with per-label policies. Everything is in fs-servers/lib (fs_native.c: IPC
 * and sessions; fs-servers/lib/: the protocol).
 */
#include "fs_native.h"

int main(int argc, char **argv)
{
    return fs_native_main("ram_fs", FS_NATIVE_TREE);
}

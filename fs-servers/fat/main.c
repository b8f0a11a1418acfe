/*
 * fat: the FAT file-system server (docs/fat.md): the fat plugin (fat_fs.c and its
 * neighbours) on a Block session (blockdev_capix.c), served to File_system clients by
 * the native server (fs-servers/lib), with per-label policies as ram_fs has. Config:
 *
 *     config {
 *         fat label=home uid=0 gid=0 umask=022     # the Block session's label
 *         policy label="shell -> home" root=/ writeable
 *     }
 *
 * Its calls to the driver are bounded (60 s: the driver gives up on its device after
 * 30 s): a driver that hangs fails the request with EIO instead of the server.
 */
#include <capix/capix.h>
#include "fat.h"
#include "fs_native.h"

int main(int argc, char **argv)
{
    cx_thread_config(CX_SLOT_SELF_THREAD, CX_TCFG_CALL_TIMEOUT, 60ul * 1000000000ul);
    return fs_native_main_with("fat", &vfs_plugin_fat);
}

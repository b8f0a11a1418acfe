# byte-range locks (record, OFD and flock locks), pure: compiled in with the VFS
# (VFS_SRCS), so by the runtime and the file-system servers

$(call host_test,range_lock_test,lib/lock/range_lock.c lib/lock/range_lock_test.c)

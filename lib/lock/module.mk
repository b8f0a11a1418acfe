# byte-range locks (record, OFD and flock locks), pure: compiled in with the VFS
# (VFS_SRCS), so by the runtime and the file-system servers

HOST_TESTS += $(BUILD)/host/tests/range_lock_test
$(BUILD)/host/tests/range_lock_test: $(BUILD)/host/lib/lock/range_lock.o \
		$(BUILD)/host/lib/lock/range_lock_test.o
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_LDFLAGS) $^ -o $@

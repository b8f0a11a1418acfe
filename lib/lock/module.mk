# byte-range locks (record, OFD and flock locks), pure: the file-system servers compile
# it in (FS_SERVER_SRCS)

HOST_TESTS += $(BUILD)/host/tests/range_lock_test
$(BUILD)/host/tests/range_lock_test: $(BUILD)/host/lib/lock/range_lock.o \
		$(BUILD)/host/lib/lock/range_lock_test.o
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_LDFLAGS) $^ -o $@

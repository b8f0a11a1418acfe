# byte-range locks (record, OFD and flock locks), pure: for servers and the runtime
LIBCAPIX_SRCS += lib/lock/range_lock.c

HOST_TESTS += $(BUILD)/host/tests/range_lock_test
$(BUILD)/host/tests/range_lock_test: $(BUILD)/host/lib/lock/range_lock.o \
		$(BUILD)/host/lib/lock/range_lock_test.o
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_LDFLAGS) $^ -o $@

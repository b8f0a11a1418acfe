LIBCAPIX_SRCS += lib/capix/string.c lib/capix/heap.c lib/capix/runtime.c lib/capix/label.c lib/capix/format.c lib/capix/vsnprintf.c lib/capix/block_client.c lib/capix/start.S

# the label matcher (docs/sessions.md "Labels"), tested on the host
HOST_TESTS += $(BUILD)/host/tests/label_test
$(BUILD)/host/tests/label_test: $(BUILD)/host/lib/capix/label.o $(BUILD)/host/lib/capix/label_test.o
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_LDFLAGS) $^ -o $@

# the freestanding copies (string.c) against plain byte loops, on the host
HOST_TESTS += $(BUILD)/host/tests/string_test
$(BUILD)/host/tests/string_test: $(BUILD)/host/lib/capix/string_test.o
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_LDFLAGS) $^ -o $@

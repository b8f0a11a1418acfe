# Native example programs packed into every boot archive.
$(BUILD)/user/bin/hello: $(BUILD)/user/tests/native/hello.o $(LIBCAPIX)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_LDFLAGS) $^ -lgcc -o $@
ALL_TARGETS += $(BUILD)/user/bin/hello
$(BUILD)/user/bin/crash: $(BUILD)/user/tests/native/crash.o $(LIBCAPIX)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_LDFLAGS) $^ -lgcc -o $@
ALL_TARGETS += $(BUILD)/user/bin/crash
$(BUILD)/user/bin/silent: $(BUILD)/user/tests/native/silent.o $(LIBCAPIX)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_LDFLAGS) $^ -lgcc -o $@
ALL_TARGETS += $(BUILD)/user/bin/silent
$(BUILD)/user/bin/blktest: $(BUILD)/user/tests/native/blktest.o $(LIBCAPIX)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_LDFLAGS) $^ -lgcc -o $@
ALL_TARGETS += $(BUILD)/user/bin/blktest
# nictest: a good and a hostile client of the virtio-net driver (scenario nic).
$(BUILD)/user/bin/nictest: $(BUILD)/user/tests/native/nictest.o $(BUILD)/user/net/nic_client.o \
		$(LIBCAPIX)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_LDFLAGS) $^ -lgcc -o $@
ALL_TARGETS += $(BUILD)/user/bin/nictest
# nettest: a native client of the network server's Net sessions (scenario net-session).
$(BUILD)/user/bin/nettest: $(BUILD)/user/tests/native/nettest.o $(LIBCAPIX)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_LDFLAGS) $^ -lgcc -o $@
ALL_TARGETS += $(BUILD)/user/bin/nettest

# kbench: kernel costs in cycles, run by `make bench` (scenario bench).
$(BUILD)/user/bin/kbench: $(BUILD)/user/tests/kbench/kbench.o $(LIBCAPIX)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_LDFLAGS) $^ -lgcc -o $@
ALL_TARGETS += $(BUILD)/user/bin/kbench

# hostile: the hostile static program of the sandbox-hostile scenario (tests/hostile/,
# docs/sandboxes.md). Built with the stock musl-gcc like tests/posix/*, into
# build/user/bin/ so that it goes into the boot archive.
$(BUILD)/user/bin/hostile: tests/hostile/hostile.c tests/hostile/hostile_checks.c tests/hostile/hostile.h \
		tests/hostile/native.h lib/include/capix/posix_protocol.h kernel/abi/capix/abi.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) -Ikernel/abi -Ilib/include $(filter %.c,$^) -o $@
ALL_TARGETS += $(BUILD)/user/bin/hostile
# fsattack: attacks on a file-system server's sessions and mappings (the fs-attack
# scenario, tests/scenarios/fs-attack/)
$(BUILD)/user/bin/fsattack: tests/hostile/fsattack.c tests/hostile/native.h lib/include/capix/posix_protocol.h \
		kernel/abi/capix/abi.h lib/include/capix/component.h lib/include/capix/fs_protocol.h \
		| $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) -Ikernel/abi -Ilib/include $< -o $@
ALL_TARGETS += $(BUILD)/user/bin/fsattack
# the scripts the sandbox scenarios' shells run, from /capix/bin (the boot archive)
$(BUILD)/user/bin/sandbox-%.sh: tests/hostile/sandbox-%.sh | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	cp $< $@
ALL_TARGETS += $(BUILD)/user/bin/sandbox-heartbeat.sh
$(BUILD)/user/bin/sandbox-probe: tests/hostile/sandbox-probe.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) $< -o $@
ALL_TARGETS += $(BUILD)/user/bin/sandbox-probe $(BUILD)/user/bin/sandbox-isolation.sh
# the sandbox-cpu scenario: the spinning sandbox and the calm one's latency probe
$(BUILD)/user/bin/spinner $(BUILD)/user/bin/cpu-latency: $(BUILD)/user/bin/%: tests/hostile/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) $< -o $@ -lpthread
ALL_TARGETS += $(BUILD)/user/bin/spinner $(BUILD)/user/bin/cpu-latency $(BUILD)/user/bin/sandbox-cpu.sh

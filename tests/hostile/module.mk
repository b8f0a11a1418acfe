# hostile: the hostile static program of the sandbox-hostile scenario (tests/hostile/,
# docs/sandboxes.md). Built with the stock musl-gcc like tests/posix/*, into
# build/user/bin/ so that it goes into the boot archive.
$(call musl_program,hostile,tests/hostile/hostile.c tests/hostile/hostile_checks.c \
    tests/hostile/hostile.h tests/hostile/native.h lib/include/capix/posix_protocol.h \
    kernel/abi/capix/abi.h,-Ikernel/abi -Ilib/include)
# fsattack: attacks on a file-system server's sessions and mappings (the fs-attack
# scenario, tests/scenarios/fs-attack/)
$(call musl_program,fsattack,tests/hostile/fsattack.c tests/hostile/native.h tests/hostile/hostile_check.h \
    lib/include/capix/posix_protocol.h kernel/abi/capix/abi.h lib/include/capix/component.h \
    lib/include/capix/fs_protocol.h,-Ikernel/abi -Ilib/include)
# the scripts the sandbox scenarios' shells run, from /capix/bin (the boot archive)
$(BUILD)/user/bin/sandbox-%.sh: tests/hostile/sandbox-%.sh | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	cp $< $@
ALL_TARGETS += $(BUILD)/user/bin/sandbox-heartbeat.sh
$(call musl_program,sandbox-probe,tests/hostile/sandbox-probe.c)
ALL_TARGETS += $(BUILD)/user/bin/sandbox-isolation.sh
# the sandbox-cpu scenario: the spinning sandbox and the calm one's latency probe
$(call musl_program,spinner,tests/hostile/spinner.c,-pthread)
$(call musl_program,cpu-latency,tests/hostile/cpu-latency.c,-pthread)
ALL_TARGETS += $(BUILD)/user/bin/sandbox-cpu.sh
# fscreds: raw File_system requests of a process that gave up root (the fs-creds scenario)
$(call musl_program,fscreds,tests/hostile/fscreds.c tests/hostile/native.h tests/hostile/hostile_check.h \
    lib/include/capix/posix_protocol.h kernel/abi/capix/abi.h lib/include/capix/component.h \
    lib/include/capix/fs_protocol.h,-Ikernel/abi -Ilib/include)

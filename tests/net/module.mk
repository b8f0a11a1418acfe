# tests/net/: socket behaviours (issue 18), one static program for the Linux host and
# capix (README.md). MUSL_CC and MUSL_CFLAGS come from tests/posix/module.mk.
$(BUILD)/user/bin/socktest: tests/net/socktest.c tests/posix/ptest.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) $< -o $@
ALL_TARGETS += $(BUILD)/user/bin/socktest
TEST_SCRIPTS += tests/net/socktest-test.sh

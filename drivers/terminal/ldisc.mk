# The line discipline (ldisc.c): compiled freestanding into $(BUILD)/user/ to keep it
# so (the terminal server links it), a host test and a fuzzer (seeds in fuzz-seeds/).

LDISC_SRCS := drivers/terminal/ldisc.c

ALL_TARGETS += $(patsubst %.c,$(BUILD)/user/%.o,$(LDISC_SRCS))

$(call host_test,ldisc_test,drivers/terminal/ldisc_test.c drivers/terminal/ldisc_edit_test.c \
    drivers/terminal/ldisc_output_test.c $(LDISC_SRCS))

# Sequences of input, reads, writes, settings, flushes and flow control.
$(call fuzzer,ldisc_fuzz,drivers/terminal/ldisc_fuzz.c $(LDISC_SRCS),drivers/terminal/fuzz-seeds)

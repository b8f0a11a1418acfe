# drivers/: user-level device drivers and the terminal server (README.md).
#   uart/      the 16550 UART driver (a library the terminal server compiles in)
#   terminal/  the terminal server: line discipline (ldisc.c), session logic
#              (server.c), IPC and devices (main.c)
include drivers/terminal/ldisc.mk

TERMINAL := $(BUILD)/user/bin/terminal
TERMINAL_OBJS := $(patsubst %.c,$(BUILD)/user/%.o,drivers/terminal/main.c \
                   drivers/terminal/server.c drivers/terminal/ldisc.c drivers/uart/uart16550.c)
$(TERMINAL): $(TERMINAL_OBJS) $(LIBCAPIX)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_LDFLAGS) $(TERMINAL_OBJS) $(LIBCAPIX) -lgcc -o $@
ALL_TARGETS += $(TERMINAL)

# The terminal server's request decoder, fuzzed (seeds in terminal/server-fuzz-seeds/).
FUZZERS += $(BUILD)/fuzz/term_server_fuzz
$(BUILD)/fuzz/term_server_fuzz: $(patsubst %.c,$(BUILD)/fuzz/%.o,drivers/terminal/server_fuzz.c \
		drivers/terminal/server.c drivers/terminal/ldisc.c) | $(BUILD)/fuzz/.term-server-seeded
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $^ -o $@
$(BUILD)/fuzz/.term-server-seeded: $(wildcard drivers/terminal/server-fuzz-seeds/*)
	@mkdir -p $(BUILD)/fuzz/corpus-term_server_fuzz
	cp drivers/terminal/server-fuzz-seeds/* $(BUILD)/fuzz/corpus-term_server_fuzz/
	@touch $@

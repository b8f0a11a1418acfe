# net/: the network server (README.md): lwIP (the prebuilt NO_SYS core of ports/lwip)
# over a Nic session.
LWIP_SYSROOT := $(BUILD)/ports-sysroot/usr
NET_SERVER := $(BUILD)/user/bin/net
NET_OBJS := $(patsubst %.c,$(BUILD)/user/%.o,net/main.c net/echo.c net/nic_client.c net/net_policy.c \
            net/net_request.c net/net_session.c net/net_ring.c net/net_lwip.c \
            net/net_service.c net/net_chksum.c \
            net/ping.c)
$(NET_OBJS): USER_CFLAGS += -I$(LWIP_SYSROOT)/include/lwip -Ivfs/include
$(NET_OBJS): | $(LWIP_SYSROOT)/lib/liblwip.a
$(LWIP_SYSROOT)/lib/liblwip.a: | $(BUILD)/ports-work/lwip/.done
$(NET_SERVER): $(NET_OBJS) $(LWIP_SYSROOT)/lib/liblwip.a $(LIBCAPIX)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_LDFLAGS) $(NET_OBJS) $(LWIP_SYSROOT)/lib/liblwip.a $(LIBCAPIX) -lgcc -o $@
ALL_TARGETS += $(NET_SERVER)

# The Net session's request decoder and per-label policies (server side, freestanding):
# host test and fuzzer. They take Linux's errno values from vfs/include/vfs/linux.h.
NET_SESSION_SRCS := net/net_request.c net/net_policy.c
$(BUILD)/host/net/%.o: HOST_CFLAGS += -Ivfs/include
$(BUILD)/fuzz/net/%.o: FUZZ_CFLAGS += -Ivfs/include
HOST_TESTS += $(BUILD)/host/tests/net_request_test
$(BUILD)/host/tests/net_request_test: $(patsubst %.c,$(BUILD)/host/%.o,net/net_request_test.c \
		$(NET_SESSION_SRCS) lib/config/config.c lib/capix/label.c)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_LDFLAGS) $^ -o $@
FUZZERS += $(BUILD)/fuzz/net_request_fuzz
$(BUILD)/fuzz/net_request_fuzz: $(patsubst %.c,$(BUILD)/fuzz/%.o,net/net_request_fuzz.c \
		net/net_request.c)
	@mkdir -p $(dir $@) $(BUILD)/fuzz/corpus-net_request_fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) $^ -o $@
# The checksum lwIP uses (net_chksum.c) against RFC 1071's loop.
HOST_TESTS += $(BUILD)/host/tests/net_chksum_test
$(BUILD)/host/tests/net_chksum_test: $(patsubst %.c,$(BUILD)/host/%.o,net/net_chksum_test.c \
		net/net_chksum.c)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_LDFLAGS) $^ -o $@
# A session's socket table (handles, references, policy, memory) over a fake stack.
HOST_TESTS += $(BUILD)/host/tests/net_session_test
$(BUILD)/host/tests/net_session_test: $(patsubst %.c,$(BUILD)/host/%.o,net/net_session_test.c \
		net/net_session.c net/net_ring.c $(NET_SESSION_SRCS) lib/config/config.c lib/capix/label.c)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_LDFLAGS) $^ -o $@
FUZZERS += $(BUILD)/fuzz/net_session_fuzz
$(BUILD)/fuzz/net_session_fuzz: $(patsubst %.c,$(BUILD)/fuzz/%.o,net/net_session_fuzz.c \
		net/net_session.c net/net_ring.c $(NET_SESSION_SRCS) lib/config/config.c lib/capix/label.c)
	@mkdir -p $(dir $@) $(BUILD)/fuzz/corpus-net_session_fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) $^ -o $@

# net/: the network server (README.md): lwIP (the prebuilt NO_SYS core of ports/lwip)
# over a Nic session.
LWIP_SYSROOT := $(BUILD)/ports-sysroot/usr
NET_SERVER := $(BUILD)/user/bin/net
NET_OBJS := $(patsubst %.c,$(BUILD)/user/%.o,net/main.c net/echo.c net/nic_client.c net/net_policy.c \
            net/net_request.c net/net_session.c net/net_ring.c net/net_lwip.c \
            net/net_service.c net/net_chksum.c net/net_loop.c net/net_heap.c \
            net/ping.c)
$(NET_OBJS): USER_CFLAGS += -I$(LWIP_SYSROOT)/include/lwip -Ivfs/include
$(NET_OBJS): | $(LWIP_SYSROOT)/lib/liblwip.a
$(LWIP_SYSROOT)/lib/liblwip.a: | $(BUILD)/ports-work/lwip/.done
$(NET_SERVER): $(NET_OBJS) $(LWIP_SYSROOT)/lib/liblwip.a $(LIBCAPIX)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_LDFLAGS) -Wl,--wrap=netif_loop_output \
	    -Wl,--wrap=mem_malloc,--wrap=mem_calloc,--wrap=mem_free,--wrap=mem_trim $(NET_OBJS) \
	    $(LWIP_SYSROOT)/lib/liblwip.a $(LIBCAPIX) -lgcc -o $@
ALL_TARGETS += $(NET_SERVER)

# The Net session's request decoder and per-label policies (server side, freestanding):
# host test and fuzzer. They take Linux's errno values from vfs/include/vfs/linux.h.
NET_SESSION_SRCS := net/net_request.c net/net_policy.c
$(BUILD)/host/net/%.o: HOST_CFLAGS += -Ivfs/include
$(BUILD)/fuzz/net/%.o: FUZZ_CFLAGS += -Ivfs/include
$(call host_test,net_request_test,net/net_request_test.c $(NET_SESSION_SRCS) lib/config/config.c \
    lib/capix/label.c)
$(call fuzzer,net_request_fuzz,net/net_request_fuzz.c net/net_request.c)
# The checksum lwIP uses (net_chksum.c) against RFC 1071's loop.
$(call host_test,net_chksum_test,net/net_chksum_test.c net/net_chksum.c)
# A session's socket table (handles, references, policy, memory) over a fake stack.
$(call host_test,net_session_test,net/net_session_test.c net/net_session.c net/net_ring.c \
    $(NET_SESSION_SRCS) lib/config/config.c lib/capix/label.c)
$(call fuzzer,net_session_fuzz,net/net_session_fuzz.c net/net_session.c net/net_ring.c \
    $(NET_SESSION_SRCS) lib/config/config.c lib/capix/label.c)

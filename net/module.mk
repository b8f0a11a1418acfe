# net/: the network server (README.md): lwIP (the prebuilt NO_SYS core of ports/lwip)
# over a Nic session.
LWIP_SYSROOT := $(BUILD)/ports-sysroot/usr
NET_SERVER := $(BUILD)/user/bin/net
NET_OBJS := $(patsubst %.c,$(BUILD)/user/%.o,net/main.c net/echo.c net/nic_client.c \
            net/ping.c)
$(NET_OBJS): USER_CFLAGS += -I$(LWIP_SYSROOT)/include/lwip
$(NET_OBJS): | $(LWIP_SYSROOT)/lib/liblwip.a
$(LWIP_SYSROOT)/lib/liblwip.a: | $(BUILD)/ports-work/lwip/.done
$(NET_SERVER): $(NET_OBJS) $(LWIP_SYSROOT)/lib/liblwip.a $(LIBCAPIX)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_LDFLAGS) $(NET_OBJS) $(LWIP_SYSROOT)/lib/liblwip.a $(LIBCAPIX) -lgcc -o $@
ALL_TARGETS += $(NET_SERVER)
SCENARIOS += net-echo nic

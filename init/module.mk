# init: the first component (build/user/bin/init), packed first into the boot archive.
INIT_SRCS := $(filter-out %_fuzz.c,$(wildcard init/*.c)) drivers/pci/pci.c
INIT_OBJS := $(patsubst %.c,$(BUILD)/user/%.o,$(INIT_SRCS))
INIT_BIN := $(BUILD)/user/bin/init

$(INIT_BIN): $(INIT_OBJS) $(LIBCAPIX)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_LDFLAGS) $(INIT_OBJS) $(LIBCAPIX) -lgcc -o $@

ALL_TARGETS += $(INIT_BIN)

# Host fuzzers: init's reading of the system config (init/config.c) and the session
# router (init/route.c) with the label matcher it shares with the file-system servers.
# Both start from the configs in init/fuzz-seeds/ (a route seed may append a NUL byte
# and queries, see route_fuzz.c).
INIT_FUZZ_OBJS := $(BUILD)/fuzz/init/config.o $(BUILD)/fuzz/init/route.o \
	$(BUILD)/fuzz/drivers/pci/pci.o \
	$(BUILD)/fuzz/lib/capix/label.o $(BUILD)/fuzz/lib/config/config.o
$(call fuzzer,init_config_fuzz,init/config_fuzz.c $(INIT_FUZZ_OBJS),init/fuzz-seeds)
$(call fuzzer,route_fuzz,init/route_fuzz.c $(INIT_FUZZ_OBJS),init/fuzz-seeds)

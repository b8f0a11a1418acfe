# tools/: host-side helpers built from capix's own sources.
# config-dump: a system config read by lib/config and init's reader, printed as JSON for
# `tools/capix graph` (tools/capix-graph.py).
CONFIG_DUMP := $(BUILD)/host/config-dump
$(CONFIG_DUMP): $(BUILD)/host/tools/config-dump.o $(BUILD)/host/init/config.o \
		$(BUILD)/host/init/route.o $(BUILD)/host/lib/capix/label.o $(BUILD)/host/drivers/pci/pci.o \
		$(BUILD)/host/lib/config/config.o
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_LDFLAGS) $^ -o $@
ALL_TARGETS += $(CONFIG_DUMP)

# `tools/capix graph` on the default config and on configs the test writes
TEST_SCRIPTS += tests/tools/capix-graph.sh

# The UEFI disk image (docs/boot.md): `make image` writes build/capix.img from the default
# config; tests/tools/mkimage.sh checks one on the host, scenario uefi-boot boots one.
TEST_SCRIPTS += tests/tools/mkimage.sh
TEST_SCRIPTS += tests/terminal/uefi-console-test.py

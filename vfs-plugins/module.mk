# vfs-plugins/: the VFS plugins (one folder each, with a README and a host test).
# VFS_PLUGIN_SRCS is what the POSIX runtime compiles in next to VFS_SRCS; `make`
# compiles each one freestanding to check that it stays so.

# A plugin is its folder: every .c in vfs-plugins/NAME/ but the tests is compiled in, and
# NAME/NAME_test.c is its host test (below). A plugin a configuration can name says so in
# its folder's module.mk: VFS_PLUGIN_TABLE += PLACE:SYMBOL, PLACE three digits. The build
# writes the table from those (PLUGINS_TABLE_H, one VFS_PLUGIN(SYMBOL) a line in the
# order of the places), and all.c makes vfs_plugins_all of it. The order matters in one
# place only: "unknown file system" lists the known names in it (vfs_test checks the
# start of that list); names are unique, so lookups do not depend on it.
VFS_PLUGIN_TABLE :=
include $(wildcard vfs-plugins/*/module.mk)
VFS_PLUGIN_SRCS := $(filter-out %_test.c,$(wildcard vfs-plugins/*/*.c)) vfs-plugins/all.c

PLUGINS_TABLE_H := $(BUILD)/vfs-plugins/plugins_table.h
$(PLUGINS_TABLE_H): FORCE
	@mkdir -p $(dir $@)
	@printf '%s\n' '/* Written by vfs-plugins/module.mk from the plugin folders. */' \
	    $(foreach e,$(sort $(VFS_PLUGIN_TABLE)),'VFS_PLUGIN($(lastword $(subst :, ,$(e))))') \
	    > $@.tmp && { cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@; }
$(foreach f,user host fuzz,$(BUILD)/$(f)/vfs-plugins/all.o): $(PLUGINS_TABLE_H)
$(BUILD)/user/vfs-plugins/all.o: USER_CFLAGS += -I$(BUILD)/vfs-plugins
$(BUILD)/host/vfs-plugins/all.o: HOST_CFLAGS += -I$(BUILD)/vfs-plugins
$(BUILD)/fuzz/vfs-plugins/all.o: FUZZ_CFLAGS += -I$(BUILD)/vfs-plugins

ALL_TARGETS += $(patsubst %.c,$(BUILD)/user/%.o,$(VFS_PLUGIN_SRCS))

$(BUILD)/host/vfs-plugins/libplugins.a: $(patsubst %.c,$(BUILD)/host/%.o,$(VFS_PLUGIN_SRCS))
	rm -f $@ && ar rcs $@ $^
$(BUILD)/fuzz/vfs-plugins/libplugins.a: $(patsubst %.c,$(BUILD)/fuzz/%.o,$(VFS_PLUGIN_SRCS))
	rm -f $@ && ar rcs $@ $^

# One host test per plugin: vfs-plugins/NAME/NAME_test.c, linked with the VFS (tar's is
# tar_fs_test.c; it and ram's, for `ram from=ARCHIVE`, read archives made by the host's
# tar at build time; random/ holds both random and urandom). fs and terminal link their
# servers too (their own rules below).
VFS_PLUGIN_TESTS := $(filter-out fs terminal,$(patsubst vfs-plugins/%/,%,$(foreach t,\
    $(wildcard vfs-plugins/*/*_test.c),$(if $(filter $(notdir $(t)),\
    $(notdir $(patsubst %/,%,$(dir $(t))))_test.c),$(dir $(t))))))
HOST_TESTS += $(patsubst %,$(BUILD)/host/tests/vfs_%_test,$(VFS_PLUGIN_TESTS)) \
              $(BUILD)/host/tests/vfs_tar_test
$(foreach p,$(VFS_PLUGIN_TESTS),$(eval \
$(BUILD)/host/tests/vfs_$(p)_test: $(BUILD)/host/vfs-plugins/$(p)/$(p)_test.o $(VFS_HOST_OBJS) ; \
	@mkdir -p $$(dir $$@) && $$(HOST_CC) $$(HOST_LDFLAGS) $$^ -o $$@))

VFS_TAR_DATA := $(BUILD)/host/tests/vfs-tar-data
$(VFS_TAR_DATA)/.stamp: vfs-plugins/tar/make-test-archives.sh | $(DEPS_STAMP)
	vfs-plugins/tar/make-test-archives.sh $(VFS_TAR_DATA)
	@touch $@
$(BUILD)/host/vfs-plugins/tar/tar_fs_test.o $(BUILD)/host/vfs-plugins/ram/ram_test.o: \
	HOST_CFLAGS += -DVFS_TAR_DATA='"$(abspath $(VFS_TAR_DATA))"'
$(BUILD)/host/tests/vfs_ram_test: | $(VFS_TAR_DATA)/.stamp
$(BUILD)/host/tests/vfs_tar_test: $(BUILD)/host/vfs-plugins/tar/tar_fs_test.o $(VFS_HOST_OBJS) \
		| $(VFS_TAR_DATA)/.stamp
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_LDFLAGS) $^ -o $@

# fs: the client against the server library (fs-servers/lib) through a loopback transport.
HOST_TESTS += $(BUILD)/host/tests/vfs_fs_test
$(BUILD)/host/vfs-plugins/fs/fs_test.o $(BUILD)/host/vfs-plugins/fs/fs_share_test.o: \
	HOST_CFLAGS += -Ifs-servers/include
$(BUILD)/host/tests/vfs_fs_test: $(BUILD)/host/vfs-plugins/fs/fs_test.o \
		$(BUILD)/host/vfs-plugins/fs/fs_share_test.o \
		$(patsubst %.c,$(BUILD)/host/%.o,$(addprefix fs-servers/lib/,fs_server.c fs_table.c fs_names.c \
			fs_mapped.c fs_request.c fs_lock.c fs_owners.c)) $(VFS_HOST_OBJS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_LDFLAGS) $^ -o $@

# The differential test of vfs/tests/oracle_test.c with an fs mount as the root.
HOST_TESTS += $(BUILD)/host/tests/vfs_fs_oracle_test
$(BUILD)/host/vfs-plugins/fs/fs_oracle_test.o: HOST_CFLAGS += -Ifs-servers/include -Ivfs/tests
$(BUILD)/host/tests/vfs_fs_oracle_test: $(BUILD)/host/vfs-plugins/fs/fs_oracle_test.o \
		$(BUILD)/host/vfs/tests/oracle_host.o $(BUILD)/host/vfs/tests/oracle_common.o \
		$(patsubst %.c,$(BUILD)/host/%.o,$(addprefix fs-servers/lib/,fs_server.c fs_table.c fs_names.c \
			fs_mapped.c fs_request.c fs_lock.c fs_owners.c)) $(VFS_HOST_OBJS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_LDFLAGS) $^ -o $@

# terminal: the plugin against the terminal server's logic (drivers/terminal) through a
# loopback transport.
HOST_TESTS += $(BUILD)/host/tests/vfs_terminal_test
$(BUILD)/host/tests/vfs_terminal_test: $(BUILD)/host/vfs-plugins/terminal/terminal_test.o \
		$(patsubst %.c,$(BUILD)/host/%.o,drivers/terminal/server.c drivers/terminal/ldisc.c) \
		$(VFS_HOST_OBJS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_LDFLAGS) $^ -o $@

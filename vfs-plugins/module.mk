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

# One host test per plugin: vfs-plugins/NAME/NAME_test.c, linked with the VFS (random/
# holds both random and urandom). Tests that link more or need data (tar's tar_fs_test.c;
# fs's and terminal's, with their servers) are declared in their folders' module.mk.
VFS_PLUGIN_TESTS := $(filter-out fs terminal,$(patsubst vfs-plugins/%/,%,$(foreach t,\
    $(wildcard vfs-plugins/*/*_test.c),$(if $(filter $(notdir $(t)),\
    $(notdir $(patsubst %/,%,$(dir $(t))))_test.c),$(dir $(t))))))
$(foreach p,$(VFS_PLUGIN_TESTS),$(call host_test,vfs_$(p)_test,vfs-plugins/$(p)/$(p)_test.c \
    $(VFS_HOST_OBJS)))

# Archives made by the host's tar at build time, for tar's test and ram's `from=ARCHIVE`.
VFS_TAR_DATA := $(BUILD)/host/tests/vfs-tar-data
$(VFS_TAR_DATA)/.stamp: vfs-plugins/tar/make-test-archives.sh | $(DEPS_STAMP)
	vfs-plugins/tar/make-test-archives.sh $(VFS_TAR_DATA)
	@touch $@

# What each plugin's folder adds (its place in the plugin table, tests of its own).
include $(wildcard vfs-plugins/*/module.mk)

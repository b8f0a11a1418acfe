# vfs-plugins/: the VFS plugins (one folder each, with a README and a host test).
# VFS_PLUGIN_SRCS is what the POSIX runtime compiles in next to VFS_SRCS; `make`
# compiles each one freestanding to check that it stays so.

VFS_PLUGIN_NAMES := ram tar null zero full inline symlink log rtc random urandom tty proc fs \
                    terminal
VFS_PLUGIN_SRCS := vfs-plugins/ram/ram.c vfs-plugins/tar/tar_fs.c vfs-plugins/null/null.c \
                   vfs-plugins/zero/zero.c vfs-plugins/full/full.c vfs-plugins/inline/inline.c \
                   vfs-plugins/symlink/symlink.c vfs-plugins/log/log.c vfs-plugins/rtc/rtc.c \
                   vfs-plugins/random/random.c vfs-plugins/tty/tty.c vfs-plugins/proc/proc.c \
                   vfs-plugins/fs/fs.c vfs-plugins/terminal/terminal.c vfs-plugins/all.c
# the fs plugin's other files (fs.c's parts: vfs-plugins/fs/README.md)
VFS_PLUGIN_SRCS += vfs-plugins/fs/fs_names.c vfs-plugins/fs/fs_file.c

ALL_TARGETS += $(patsubst %.c,$(BUILD)/user/%.o,$(VFS_PLUGIN_SRCS))

$(BUILD)/host/vfs-plugins/libplugins.a: $(patsubst %.c,$(BUILD)/host/%.o,$(VFS_PLUGIN_SRCS))
	rm -f $@ && ar rcs $@ $^
$(BUILD)/fuzz/vfs-plugins/libplugins.a: $(patsubst %.c,$(BUILD)/fuzz/%.o,$(VFS_PLUGIN_SRCS))
	rm -f $@ && ar rcs $@ $^

# One host test per plugin: vfs-plugins/NAME/NAME_test.c (tar's is tar_fs_test.c; it
# and ram's, for `ram from=ARCHIVE`, read archives made by the host's tar at build time;
# random/ holds both random and urandom).
VFS_PLUGIN_TESTS := ram null zero full inline symlink log rtc random tty proc
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
$(BUILD)/host/vfs-plugins/fs/fs_test.o: HOST_CFLAGS += -Ifs-servers/include
$(BUILD)/host/tests/vfs_fs_test: $(BUILD)/host/vfs-plugins/fs/fs_test.o \
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

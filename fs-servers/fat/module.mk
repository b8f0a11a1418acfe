# fs-servers/fat: the FAT file system as a VFS tree plugin over a block device
# (docs/fat.md). FAT_SRCS is what the fat server compiles in (freestanding, next to
# FS_NATIVE_SRCS, VFS_SRCS and its fat_blockdev_open); `make` compiles each one
# freestanding into $(BUILD)/user/ to keep it so. Host builds link host_blockdev.c,
# which maps label= to image files or buffers.

FAT_SRCS := fs-servers/fat/fat_fs.c fs-servers/fat/fat_node.c fs-servers/fat/dir.c \
            fs-servers/fat/dir_index.c \
            fs-servers/fat/name.c fs-servers/fat/table.c fs-servers/fat/cache.c
FAT_INCLUDES := -Ifs-servers/fat

$(BUILD)/host/fs-servers/fat/%.o: HOST_CFLAGS += $(FAT_INCLUDES)
$(BUILD)/fuzz/fs-servers/fat/%.o: FUZZ_CFLAGS += $(FAT_INCLUDES)
$(BUILD)/user/fs-servers/fat/%.o: USER_CFLAGS += $(FAT_INCLUDES)

ALL_TARGETS += $(patsubst %.c,$(BUILD)/user/%.o,$(FAT_SRCS))

# Host test: images made by mkfs.fat and filled with mtools, checked with fsck.fat and
# mtools after the plugin wrote them (fat_test.c, and fat_damage_test.c: power cuts and
# corrupt images; the images live in FAT_TEST_DIR).
FAT_TEST_DIR := $(BUILD)/host/tests/fat-images
$(BUILD)/host/fs-servers/fat/fat_test.o: \
	HOST_CFLAGS += -DFAT_TEST_DIR='"$(abspath $(FAT_TEST_DIR))"'
$(call host_test,fat_test,fs-servers/fat/fat_test.c fs-servers/fat/fat_damage_test.c \
    fs-servers/fat/fat_index_test.c \
    fs-servers/fat/host_blockdev.c $(FAT_SRCS) $(VFS_HOST_OBJS),$(DEPS_STAMP) $(FAT_TEST_DIR))
$(FAT_TEST_DIR):
	@mkdir -p $@

# Fuzzer: mounts a mutated image (seeds: small images made by mkfs.fat at build time)
# and walks, reads and writes it.
$(call fuzzer,fat_fuzz,fs-servers/fat/fat_fuzz.c fs-servers/fat/host_blockdev.c $(FAT_SRCS) \
    $(VFS_FUZZ_OBJS),$(BUILD)/fuzz/.fat-seeded)
$(BUILD)/fuzz/.fat-seeded: fs-servers/fat/make-fuzz-seeds.sh | $(DEPS_STAMP)
	fs-servers/fat/make-fuzz-seeds.sh $(BUILD)/fuzz/corpus-fat_fuzz
	@touch $@

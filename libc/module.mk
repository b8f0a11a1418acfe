# The POSIX runtime: build/user/bin/capix-runtime, one self-contained image linked at
# RT_IMAGE_BASE that the launcher maps into every POSIX process. Built freestanding
# with -mgeneral-regs-only (it never touches the program's XMM state).

# It carries the VFS and its plugins (vfs/module.mk and vfs-plugins/module.mk, included
# before this file) and links libcapix for the config, tar and ELF readers.
RUNTIME_SRCS := $(wildcard libc/*.c) libc/entry.S
RUNTIME_OBJS := $(patsubst %,$(BUILD)/user/%.o,$(basename $(RUNTIME_SRCS))) \
                $(patsubst %.c,$(BUILD)/user/%.o,$(VFS_SRCS) $(VFS_PLUGIN_SRCS))
RUNTIME := $(BUILD)/user/bin/capix-runtime

$(BUILD)/libc/syscall_names.h: libc/gen-syscall-names | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	libc/gen-syscall-names $@
$(BUILD)/user/libc/syscall.o: $(BUILD)/libc/syscall_names.h
$(BUILD)/user/libc/%.o: USER_CFLAGS += -Ilibc -I$(BUILD)/libc $(VFS_INCLUDES)

$(RUNTIME): $(RUNTIME_OBJS) $(LIBCAPIX)
	@mkdir -p $(dir $@)
	$(USER_CC) -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,max-page-size=4096 \
	    -Wl,-z,noexecstack -Wl,-Ttext-segment=0x30000000 -Wl,-e,rt_entry \
	    $(RUNTIME_OBJS) $(LIBCAPIX) -lgcc -o $@

ALL_TARGETS += $(RUNTIME)

# The vDSO: a tiny shared object with __vdso_clock_gettime (version LINUX_2.6).
VDSO := $(BUILD)/user/bin/capix-vdso
$(VDSO): libc/vdso/vdso.c libc/vdso/vdso.lds lib/include/capix/posix_protocol.h vfs/include/vfs/linux.h \
		libc/module.mk | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(USER_CC) -std=c11 $(WARN) -Ilib/include -Ivfs/include -O2 -fPIC -shared -nostdlib -ffreestanding -mgeneral-regs-only \
	    -fno-asynchronous-unwind-tables -fno-stack-protector -Wl,-soname=linux-vdso.so.1 \
	    -Wl,--hash-style=both -Wl,--version-script=libc/vdso/vdso.lds -Wl,-Bsymbolic \
	    -Wl,-z,noseparate-code -Wl,-z,norelro -Wl,-z,max-page-size=16 \
	    -Wl,-z,common-page-size=16 -Wl,--build-id=none $< -o $@
ALL_TARGETS += $(VDSO)

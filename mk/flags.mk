# Compiler flag sets (STYLE.md "Build"): kernel, native capix user space, host tests.

WARN := -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wshadow \
        -Wimplicit-fallthrough -Wno-unused-parameter
DEPFLAGS = -MMD -MP

KERNEL_CC := gcc
KERNEL_CFLAGS := -std=c11 $(WARN) -O2 -g -ffreestanding -fno-builtin -fno-stack-protector \
        -fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only -mcmodel=kernel \
        -fno-omit-frame-pointer -fno-strict-aliasing -fno-asynchronous-unwind-tables \
        -Ikernel -Ikernel/abi -Ikernel/arch/x86_64
KERNEL_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,max-page-size=4096 \
        -Wl,-z,noexecstack

# Native capix programs (init, drivers, servers, tests): freestanding, linked at 4 MiB.
USER_CC := gcc
USER_CFLAGS := -std=c11 $(WARN) -O2 -g -ffreestanding -fno-builtin -fno-stack-protector \
        -fno-pic -fno-pie -mgeneral-regs-only -fno-omit-frame-pointer \
        -fno-asynchronous-unwind-tables -Ikernel/abi -Ilib/include
USER_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,max-page-size=4096 \
        -Wl,-Ttext-segment=0x400000 -Wl,-z,noexecstack

# Host builds of host-testable parts, with sanitizers.
HOST_CC := gcc
HOST_CFLAGS := -std=c11 $(WARN) -O1 -g -fsanitize=address,undefined \
        -fno-sanitize-recover=all -fno-omit-frame-pointer -Ikernel/abi -Ilib/include
HOST_LDFLAGS := -fsanitize=address,undefined

# libFuzzer targets (clang).
FUZZ_CC := clang
FUZZ_CFLAGS := -std=c11 -O1 -g -fsanitize=fuzzer,address,undefined -Ikernel/abi -Ilib/include

# Static programs built with the stock musl-gcc (musl_program, rules.mk): the POSIX test
# programs that run unchanged on the Linux host and in capix.
MUSL_CC := musl-gcc
MUSL_CFLAGS := -static -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror

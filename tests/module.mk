# Tests: kernel test program, QEMU scenarios.
include tests/ktest/module.mk
SCENARIOS += kernel

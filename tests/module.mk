# Tests: kernel test program, QEMU scenarios.
include tests/ktest/module.mk
# the kernel scenario also runs under each accelerator explicitly (KVM is skipped
# where it is not usable): it must pass under both
SCENARIOS += kernel kernel@kvm kernel@tcg

# Tests: native test programs and QEMU scenarios (tests/scenarios/NAME/).
include tests/ktest/module.mk
include tests/kbench/module.mk
include tests/native/module.mk
include tests/posix/module.mk
include tests/hostile/module.mk
include tests/net/module.mk
# the kernel scenario also runs under each accelerator explicitly (KVM is skipped
# where it is not usable): it must pass under both
SCENARIOS += boot crash config-error posix-hello posix-census posix-vdso posix-config ramfs-share vfs-share fs-quota fs-server-death sandbox-trees kernel kernel@kvm kernel@tcg
# Attacks on a shared file server's sessions and mappings (tests/hostile/fsattack.c)
SCENARIOS += fs-attack leaks
# tools/capix exec against the same binaries on the Linux host
TEST_SCRIPTS += tests/tools/capix-exec.sh
# tools/capix exec --disk: a FAT image from the host, read and written in capix
TEST_SCRIPTS += tests/tools/capix-exec-disk.sh
# the fat server: QEMU cut at 20 random moments of a workload, fsck.fat and fsynced files
TEST_SCRIPTS += tests/tools/fat-crash.sh
# coreutils (BRIEF.md section 4 item 3) in capix against the same binaries on the host
TEST_SCRIPTS += tests/tools/coreutils-compare.sh
# and once more with the working directory on FAT (issue 17), vfat's differences explained
TEST_SCRIPTS += tests/tools/coreutils-fat.sh
# a static glibc program (Debian's busybox-static) on the host and in capix (issue 20)
TEST_SCRIPTS += tests/tools/glibc-static.sh
# every folder, doc and source file named in the README that should name it (issue 22)
TEST_SCRIPTS += tests/tools/docs-check-test.sh
TEST_SCRIPTS += tests/tools/bash-scripts.sh
# procps (ps, pgrep, pkill, free, uptime) over /proc, with bash's jobs (issue 20)
TEST_SCRIPTS += tests/tools/procps.sh
# The interactive shell on the serial console, driven through a pty (tests/terminal/).
TEST_SCRIPTS += tests/terminal/console-test.py
# Sandboxes (docs/sandboxes.md): a hostile program next to a shell (tests/hostile/)
SCENARIOS += sandbox-hostile sandbox-isolation sandbox-cpu provider-timeout session-extra-caps session-labels
# the same with 20 million calls, run by `make fuzz`
FUZZ_SCENARIOS += sandbox-hostile-long kernel-attacks-long leaks-long

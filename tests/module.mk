# Tests: native test programs and QEMU scenarios (tests/scenarios/NAME/).
include tests/ktest/module.mk
include tests/kbench/module.mk
include tests/native/module.mk
include tests/posix/module.mk
include tests/hostile/module.mk
include tests/net/module.mk
# QEMU scenarios: every folder tests/scenarios/NAME/ with a config (docs/testing.md).
# A file in the folder says when it runs other than in `make test`:
#   fuzz-only     only in `make fuzz` (FUZZ_SCENARIOS: the long runs of other scenarios)
#   manual        not in `make test` nor `make fuzz`; the file says who runs it and why
#   accelerators  also once under each accelerator it names (`kvm tcg`: NAME@kvm and
#                 NAME@tcg; run-scenario skips KVM where it is not usable)
SCENARIO_NAMES := $(sort $(patsubst tests/scenarios/%/config,%,$(wildcard tests/scenarios/*/config)))
scenario_file = $(wildcard tests/scenarios/$(1)/$(2))
scenario_runs = $(1) $(addprefix $(1)@,$(if $(call scenario_file,$(1),accelerators),$(shell \
    cat tests/scenarios/$(1)/accelerators)))
FUZZ_SCENARIOS += $(foreach s,$(SCENARIO_NAMES),$(if $(call scenario_file,$(s),fuzz-only),$(s)))
SCENARIOS += $(foreach s,$(SCENARIO_NAMES),$(if $(call scenario_file,$(s),fuzz-only)$(call \
    scenario_file,$(s),manual),,$(call scenario_runs,$(s))))
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
# util-linux's flock as scripts use it and setpriv, against Linux as root (issue 20)
TEST_SCRIPTS += tests/tools/util-linux.sh
# The interactive shell on the serial console, driven through a pty (tests/terminal/).
TEST_SCRIPTS += tests/terminal/console-test.py

#!/usr/bin/env bash
# shmtest (shm_open, sem_open and shared file mappings of /dev/shm) on the Linux
# host and inside capix: both must pass every check and print the same lines; the capix
# log must name no call as unimplemented.
cd "$(dirname "$0")/../.." || exit 1
source tools/qemu-common.sh
rc=0
build/user/bin/shmtest >build/shmtest-host.out 2>&1 || rc=1
sed 's/^PASS /PASS host-shmtest /; s/^FAIL /FAIL host-shmtest /' build/shmtest-host.out | grep -E '^(PASS|FAIL) '
CAPIX_EXEC_TIMEOUT=300 CAPIX_EXEC_LOG=build/shmtest-capix.log tools/capix exec -- /capix/bin/shmtest </dev/null \
  >build/shmtest-capix.out 2>&1 || rc=1
sed 's/^PASS /PASS capix-shmtest /; s/^FAIL /FAIL capix-shmtest /' build/shmtest-capix.out | grep -E '^(PASS|FAIL) '
if diff -u build/shmtest-host.out build/shmtest-capix.out >build/shmtest.diff; then
  echo "PASS shmtest-same-as-linux"
else
  echo "FAIL shmtest-same-as-linux: capix printed otherwise:"; sed 's/^/    /' build/shmtest.diff | head -20
  rc=1
fi
capix_enosys_check build/shmtest-capix.log capix-shmtest || rc=1
exit $rc

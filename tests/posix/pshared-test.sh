#!/usr/bin/env bash
# pshared (process-shared mutex, condvar, barrier, semaphores across fork) on the Linux
# host and inside capix: both must pass every check and print the same lines; the capix
# log must name no call as unimplemented.
cd "$(dirname "$0")/../.." || exit 1
source tools/qemu-common.sh
rc=0
build/user/bin/pshared >build/pshared-host.out 2>&1 || rc=1
sed 's/^PASS /PASS host-pshared /; s/^FAIL /FAIL host-pshared /' build/pshared-host.out | grep -E '^(PASS|FAIL) '
CAPIX_EXEC_TIMEOUT=300 CAPIX_EXEC_LOG=build/pshared-capix.log tools/capix exec -- /capix/bin/pshared </dev/null \
  >build/pshared-capix.out 2>&1 || rc=1
sed 's/^PASS /PASS capix-pshared /; s/^FAIL /FAIL capix-pshared /' build/pshared-capix.out | grep -E '^(PASS|FAIL) '
if diff -u build/pshared-host.out build/pshared-capix.out >build/pshared.diff; then
  echo "PASS pshared-same-as-linux"
else
  echo "FAIL pshared-same-as-linux: capix printed otherwise:"; sed 's/^/    /' build/pshared.diff | head -20
  rc=1
fi
capix_enosys_check build/pshared-capix.log capix-pshared || rc=1
exit $rc

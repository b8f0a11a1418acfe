#!/usr/bin/env bash
# vforktest (vfork and posix_spawn children) on the Linux host and inside capix: the
# same output, every check passing; the capix log must name no census call as
# unimplemented.
cd "$(dirname "$0")/../.." || exit 1
source tools/qemu-common.sh
rc=0
build/user/bin/vforktest /tmp </dev/null >build/vforktest-host.out 2>&1 || rc=1
CAPIX_EXEC_LOG=build/vforktest-capix.log tools/capix exec -- /capix/bin/vforktest /tmp \
  </dev/null >build/vforktest-capix.out 2>&1 || rc=1
sed 's/^PASS /PASS capix-vforktest /; s/^FAIL /FAIL capix-vforktest /' build/vforktest-capix.out |
  grep -E '^(PASS|FAIL) '
if ! diff -u build/vforktest-host.out build/vforktest-capix.out; then
  echo "FAIL vforktest: capix's output differs from the host's"
  rc=1
fi
grep -q '^vforktest: [0-9]* passed, 0 failed' build/vforktest-capix.out || {
  echo "FAIL capix-vforktest: no clean summary"
  rc=1
}
capix_enosys_check build/vforktest-capix.log capix-vforktest || rc=1
exit $rc

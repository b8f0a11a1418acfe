#!/usr/bin/env bash
# backcopy (backward copies into fresh memory) on the Linux host and inside capix:
# both must pass every check; the capix log must name no call of the census as
# unimplemented.
cd "$(dirname "$0")/../.." || exit 1
source tools/qemu-common.sh
rc=0
build/user/bin/backcopy >build/backcopy-host.out 2>&1 || rc=1
sed 's/^PASS /PASS host-backcopy /; s/^FAIL /FAIL host-backcopy /' build/backcopy-host.out | grep -E '^(PASS|FAIL) '
CAPIX_EXEC_LOG=build/backcopy-capix.log tools/capix exec -- /capix/bin/backcopy </dev/null \
  >build/backcopy-capix.out 2>&1 || rc=1
sed 's/^PASS /PASS capix-backcopy /; s/^FAIL /FAIL capix-backcopy /' build/backcopy-capix.out | grep -E '^(PASS|FAIL) '
grep -q '^backcopy: [0-9]* passed, 0 failed' build/backcopy-capix.out || {
  echo "FAIL capix-backcopy: no clean summary; last lines:"; tail -n 5 build/backcopy-capix.out | sed 's/^/    /'
  rc=1
}
capix_enosys_check build/backcopy-capix.log capix-backcopy || rc=1
exit $rc

#!/usr/bin/env bash
# signals (signal delivery) on the Linux host and inside capix: both must pass every
# check; the capix log must name no call of the census as unimplemented.
cd "$(dirname "$0")/../.." || exit 1
source tools/qemu-common.sh
rc=0
build/user/bin/signals >build/signals-host.out 2>&1 || rc=1
sed 's/^PASS /PASS host-signals /; s/^FAIL /FAIL host-signals /' build/signals-host.out | grep -E '^(PASS|FAIL) '
CAPIX_EXEC_LOG=build/signals-capix.log tools/capix exec -- /capix/bin/signals </dev/null \
  >build/signals-capix.out 2>&1 || rc=1
sed 's/^PASS /PASS capix-signals /; s/^FAIL /FAIL capix-signals /' build/signals-capix.out | grep -E '^(PASS|FAIL) '
grep -q '^signals: [0-9]* passed, 0 failed' build/signals-capix.out || {
  echo "FAIL capix-signals: no clean summary; last lines:"; tail -n 5 build/signals-capix.out | sed 's/^/    /'
  rc=1
}
capix_enosys_check build/signals-capix.log capix-signals || rc=1
exit $rc

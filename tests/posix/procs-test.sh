#!/usr/bin/env bash
# procs (fork, execve, wait) on the Linux host and inside capix: both must pass every
# check; the capix log must name no call of the census as unimplemented.
cd "$(dirname "$0")/../.." || exit 1
source tools/qemu-common.sh
rc=0
build/user/bin/procs /tmp >build/procs-host.out 2>&1 || rc=1
sed 's/^PASS /PASS host-procs /; s/^FAIL /FAIL host-procs /' build/procs-host.out | grep -E '^(PASS|FAIL) '
CAPIX_EXEC_LOG=build/procs-capix.log tools/capix exec -- /capix/bin/procs /tmp </dev/null \
  >build/procs-capix.out 2>&1 || rc=1
sed 's/^PASS /PASS capix-procs /; s/^FAIL /FAIL capix-procs /' build/procs-capix.out | grep -E '^(PASS|FAIL) '
grep -q '^procs: [0-9]* passed, 0 failed' build/procs-capix.out || {
  echo "FAIL capix-procs: no clean summary; last lines:"; tail -n 5 build/procs-capix.out | sed 's/^/    /'
  rc=1
}
capix_enosys_check build/procs-capix.log capix-procs || rc=1
exit $rc

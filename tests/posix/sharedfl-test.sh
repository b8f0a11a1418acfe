#!/usr/bin/env bash
# sharedfl (issue 18: status flags shared by every holder of a description) on the Linux
# host and inside capix with a network server (--net), AF_INET cases included; both
# must pass every case and print the same lines, and the capix log name no call as
# unimplemented.
cd "$(dirname "$0")/../.." || exit 1
source tools/qemu-common.sh
rc=0
build/user/bin/sharedfl inet </dev/null >build/sharedfl-host.out 2>&1 || rc=1
sed "s/^PASS /PASS host-sharedfl /; s/^FAIL /FAIL host-sharedfl /" build/sharedfl-host.out |
  grep -E '^(PASS|FAIL) '
CAPIX_EXEC_TIMEOUT=300 CAPIX_EXEC_LOG=build/sharedfl-capix.log \
  tools/capix exec --net -- /capix/bin/sharedfl inet </dev/null >build/sharedfl-capix.out 2>&1 || rc=1
sed "s/^PASS /PASS capix-sharedfl /; s/^FAIL /FAIL capix-sharedfl /" build/sharedfl-capix.out |
  grep -E '^(PASS|FAIL) '
if diff -u build/sharedfl-host.out build/sharedfl-capix.out >build/sharedfl.diff; then
  echo "PASS sharedfl-same-as-linux"
else
  echo "FAIL sharedfl-same-as-linux: capix printed otherwise:"; sed 's/^/    /' build/sharedfl.diff | head -20
  rc=1
fi
capix_enosys_check build/sharedfl-capix.log capix-sharedfl || rc=1
exit $rc

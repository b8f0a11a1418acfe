#!/usr/bin/env bash
# socktest-test.sh: socktest (tests/net/socktest.c) on the Linux host over 127.0.0.1 (the
# oracle for the socket cases capix is to pass once it has Net sessions), then in capix's
# default sandbox, which has no Net route: socket(AF_INET, ...) must be EACCES and the
# log must name the missing route. Prints the PASS/FAIL lines; exits 0 iff all held.
cd "$(dirname "$0")/../.." || exit 1
source tools/qemu-common.sh
rc=0
build/user/bin/socktest loopback </dev/null >build/socktest-host.out 2>&1 || rc=1
sed "s/^PASS /PASS host-socktest /; s/^FAIL /FAIL host-socktest /" build/socktest-host.out |
  grep -E '^(PASS|FAIL) '
CAPIX_EXEC_TIMEOUT=120 CAPIX_EXEC_LOG=build/socktest-capix.log \
  tools/capix exec -- /capix/bin/socktest noroute </dev/null >build/socktest-capix.out 2>&1 || rc=1
sed "s/^PASS /PASS capix-socktest /; s/^FAIL /FAIL capix-socktest /" build/socktest-capix.out |
  grep -E '^(PASS|FAIL) '
if [[ $(grep -c '^PASS ' build/socktest-capix.out) -ne 6 ]]; then
  echo "FAIL capix-socktest-noroute-count: want 6 PASS lines"; rc=1
fi
if tr -d '\r' <build/socktest-capix.log | grep -q 'socket(AF_INET): no Net session: this component has no `route Net`'; then
  echo "PASS capix-socktest-noroute-logged"
else
  echo "FAIL capix-socktest-noroute-logged: the log does not name the missing route"; rc=1
fi
capix_enosys_check build/socktest-capix.log capix-socktest || rc=1
exit $rc

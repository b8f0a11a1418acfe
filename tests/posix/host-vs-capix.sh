#!/usr/bin/env bash
# host-vs-capix.sh NAME [ARGS...]: runs the static test program NAME (build/user/bin/NAME,
# /capix/bin/NAME inside capix) with ARGS on the Linux host and inside capix. Both must
# pass every check and print the same lines (Linux is the oracle); the capix log must
# name no call as unimplemented. Prints the PASS/FAIL lines of both sides and a
# NAME-same-as-linux line; exits 0 iff all of it held.
cd "$(dirname "$0")/../.." || exit 1
source tools/qemu-common.sh
name=${1:?usage: host-vs-capix.sh NAME [ARGS...]}
shift
rc=0
"build/user/bin/$name" "$@" </dev/null >"build/$name-host.out" 2>&1 || rc=1
sed "s/^PASS /PASS host-$name /; s/^FAIL /FAIL host-$name /" "build/$name-host.out" | grep -E '^(PASS|FAIL) '
CAPIX_EXEC_TIMEOUT=300 CAPIX_EXEC_LOG=build/$name-capix.log tools/capix exec -- "/capix/bin/$name" "$@" \
  </dev/null >"build/$name-capix.out" 2>&1 || rc=1
sed "s/^PASS /PASS capix-$name /; s/^FAIL /FAIL capix-$name /" "build/$name-capix.out" | grep -E '^(PASS|FAIL) '
if diff -u "build/$name-host.out" "build/$name-capix.out" >"build/$name.diff"; then
  echo "PASS $name-same-as-linux"
else
  echo "FAIL $name-same-as-linux: capix printed otherwise:"; sed 's/^/    /' "build/$name.diff" | head -20
  rc=1
fi
capix_enosys_check "build/$name-capix.log" "capix-$name" || rc=1
exit $rc

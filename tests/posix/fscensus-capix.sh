#!/usr/bin/env bash
# Runs the fscensus program inside capix (tools/capix exec) in /tmp, a ram file system,
# with a second file system for the EXDEV cases: the same checks that pass on the Linux
# host (fscensus-host.sh) must pass here, and the log must name no call of the census
# as unimplemented.
cd "$(dirname "$0")/../.." || exit 1
source tools/qemu-common.sh
out=build/fscensus-capix.out
CAPIX_EXEC_LOG=build/fscensus-capix.log tools/capix exec -- /capix/bin/fscensus /tmp /dev/shm </dev/null >"$out" 2>&1
rc=$?
sed 's/^PASS /PASS capix-fscensus /; s/^FAIL /FAIL capix-fscensus /' "$out" | grep -E '^(PASS|FAIL) '
grep -q '^fscensus: [0-9]* passed, 0 failed' "$out" || {
  echo "FAIL capix-fscensus: no clean summary (exit $rc); last lines:"
  tail -n 5 "$out" | sed 's/^/    /'
  rc=1
}
capix_enosys_check build/fscensus-capix.log capix-fscensus || rc=1
exit $rc

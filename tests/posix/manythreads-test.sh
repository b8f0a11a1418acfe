#!/usr/bin/env bash
# manythreads (issue 20: more than 64 threads per process): 1,000 threads at once, twice,
# on the Linux host and inside capix with the same output; then in capix alone with a
# small sandbox quota, threads until pthread_create gives EAGAIN, twice (the quota comes
# back when they end), and with enough quota up to the runtime's limit.
cd "$(dirname "$0")/../.." || exit 1
source tools/qemu-common.sh
rc=0
# 1,000 threads cost about 106 MiB of quota (a 68 KiB runtime area and a 20 KiB stack
# each): more than the 160 MiB sandbox of tools/capix exec has left for them
CAPIX_EXEC_QUOTA=256M tests/posix/host-vs-capix.sh manythreads || rc=1
CAPIX_EXEC_QUOTA=40M CAPIX_EXEC_TIMEOUT=300 CAPIX_EXEC_LOG=build/manythreads-quota.log \
  tools/capix exec -- /capix/bin/manythreads quota </dev/null >build/manythreads-quota.out 2>&1 || rc=1
sed "s/^PASS /PASS capix-manythreads-/; s/^FAIL /FAIL capix-manythreads-/" build/manythreads-quota.out |
  grep -E '^(PASS|FAIL) '
grep -q '^PASS quota-eagain-again' build/manythreads-quota.out || rc=1
grep -q '^FAIL' build/manythreads-quota.out && rc=1
grep '^quota:' build/manythreads-quota.out
# with quota enough, the runtime's limit: RT_MAX_THREADS (1,024) less the main thread and
# the runtime's timer thread
CAPIX_EXEC_QUOTA=256M CAPIX_EXEC_TIMEOUT=300 CAPIX_EXEC_LOG=build/manythreads-limit.log \
  tools/capix exec -- /capix/bin/manythreads quota </dev/null >build/manythreads-limit.out 2>&1 || rc=1
if grep -q '^quota: 1022 threads, then 1022$' build/manythreads-limit.out; then
  echo "PASS capix-manythreads-limit-1022"
else
  echo "FAIL capix-manythreads-limit-1022: $(grep -E '^(quota|FAIL)' build/manythreads-limit.out)"
  rc=1
fi
exit $rc

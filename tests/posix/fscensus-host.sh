#!/usr/bin/env bash
# Runs the fscensus program on the Linux host: Linux is the oracle for what it checks.
# It works in /tmp (with /dev/shm as the second file system when that is one) as the
# current user and, when that is root and the nobody user can reach the binary, once
# more as nobody, since some checks depend on being root.
cd "$(dirname "$0")/../.." || exit 1
bin=build/user/bin/fscensus
args=(/tmp)
if [ -d /dev/shm ] && [ "$(stat -c %d /tmp)" != "$(stat -c %d /dev/shm)" ]; then
    args+=(/dev/shm)
fi
"$bin" "${args[@]}" >build/fscensus-host.out 2>&1
rc=$?
sed 's/^PASS /PASS host-fscensus /; s/^FAIL /FAIL host-fscensus /' build/fscensus-host.out |
    grep -E '^(PASS|FAIL) '
as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && "${as_nobody[@]}" test -x "$bin"; then
    "${as_nobody[@]}" "$bin" "${args[@]}" >build/fscensus-host-nobody.out 2>&1 || rc=1
    sed 's/^PASS /PASS host-fscensus-nobody /; s/^FAIL /FAIL host-fscensus-nobody /' \
        build/fscensus-host-nobody.out | grep -E '^(PASS|FAIL) '
fi
exit $rc

#!/usr/bin/env bash
# Runs the census program on the Linux host: Linux is the oracle for what it checks.
cd "$(dirname "$0")/../.." && build/user/bin/census >build/census-host.out 2>&1
rc=$?
sed 's/^PASS /PASS host-census /; s/^FAIL /FAIL host-census /' build/census-host.out | grep -E '^(PASS|FAIL) '
exit $rc

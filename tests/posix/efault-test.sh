#!/usr/bin/env bash
# efault (issue 20: a bad pointer gives EFAULT, the process runs on) on the Linux host
# and inside capix, with the same output.
exec "$(dirname "$0")/host-vs-capix.sh" efault

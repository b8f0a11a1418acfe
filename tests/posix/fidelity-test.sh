#!/usr/bin/env bash
# fidelity (issue 23's small Linux behaviours: EFAULT for bad pointers, SA_RESETHAND,
# brk over read-only pages, execve with an empty argv, RLIMIT_NOFILE) on the Linux host
# and inside capix, with the same output.
exec "$(dirname "$0")/host-vs-capix.sh" fidelity

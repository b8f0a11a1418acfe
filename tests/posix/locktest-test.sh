#!/usr/bin/env bash
# locktest (file locks kept by the file-system server, docs/locks.md) on the Linux host
# and inside capix.
exec "$(dirname "$0")/host-vs-capix.sh" locktest

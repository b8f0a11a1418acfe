#!/usr/bin/env bash
# calls (issue 20's smaller calls: scheduling, priority, prctl, close_range, sendfile,
# fallocate) on the Linux host and inside capix, with the same output.
exec "$(dirname "$0")/host-vs-capix.sh" calls

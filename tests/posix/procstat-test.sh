#!/usr/bin/env bash
# procstat (issue 20: /proc/PID/stat, status, comm and cmdline of the own process and
# of a forked child, running and zombie) on the Linux host and inside capix, with the
# same output once the values that differ by nature are shown as their kind.
exec "$(dirname "$0")/host-vs-capix.sh" procstat

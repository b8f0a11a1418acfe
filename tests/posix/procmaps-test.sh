#!/usr/bin/env bash
# procmaps (issue 20: /proc/self/maps: format, order, mmap, mprotect, munmap, a file
# mapping, shared memory, text, stack and heap) on the Linux host and inside capix.
exec "$(dirname "$0")/host-vs-capix.sh" procmaps

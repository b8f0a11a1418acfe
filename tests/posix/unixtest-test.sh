#!/usr/bin/env bash
# unixtest (AF_UNIX sockets, libc/unix.c) on the Linux host and inside capix, with the
# same output.
exec "$(dirname "$0")/host-vs-capix.sh" unixtest

#!/usr/bin/env bash
# creds (issue 20: setuid, setgid, setre*id, setres*id, getres*id, setfs*id, getgroups,
# setgroups with Linux's rules; fork, posix_spawn, exec and set-user-id files) on the
# Linux host and inside capix, with the same output. Both sides start as root.
# set-user-id files: the sandbox says `suid` (by default the launcher ignores the bits,
# docs/sandboxes.md, "Set-user-id files")
CAPIX_SUID=1 exec "$(dirname "$0")/host-vs-capix.sh" creds

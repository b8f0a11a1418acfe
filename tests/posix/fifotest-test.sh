#!/usr/bin/env bash
# fifotest (FIFOs and device nodes, libc/pipe.c) on the Linux host and inside capix.
exec "$(dirname "$0")/host-vs-capix.sh" fifotest

#!/usr/bin/env bash
# mqtest (POSIX message queues, libc/mqueue.c) on the Linux host and inside capix.
exec "$(dirname "$0")/host-vs-capix.sh" mqtest

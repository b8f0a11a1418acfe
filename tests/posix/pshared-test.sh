#!/usr/bin/env bash
# pshared (process-shared mutex, condvar, barrier, semaphores across fork; shared
# anonymous memory outliving its maker) on the Linux host and inside capix.
exec "$(dirname "$0")/host-vs-capix.sh" pshared

#!/usr/bin/env bash
# shmtest (shm_open, sem_open and shared file mappings of /dev/shm) on the Linux host
# and inside capix.
exec "$(dirname "$0")/host-vs-capix.sh" shmtest

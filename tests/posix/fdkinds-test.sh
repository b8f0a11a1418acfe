#!/usr/bin/env bash
# fdkinds (issues 18 and 20: eventfd, epoll, timerfd, signalfd) on the Linux host and
# inside capix, with the same output.
exec "$(dirname "$0")/host-vs-capix.sh" fdkinds

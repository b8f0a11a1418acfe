# Unmodified static musl programs used by POSIX scenarios; built with the stock
# musl-gcc into build/user/bin/ so that they go into the boot archive.
# One call each (musl_program, mk/rules.mk; MUSL_CC and MUSL_CFLAGS in mk/flags.mk).
# The census programs keep the flags they were written for: no -std=c11, no _GNU_SOURCE.
CENSUS_CFLAGS := -static -O2 -g -Wall -Wextra -Werror
$(call musl_program,hello-musl,tests/posix/hello.c)
$(BUILD)/user/bin/census: MUSL_CFLAGS := $(CENSUS_CFLAGS)
$(call musl_program,census,tests/posix/census.c)
# the same binary on the Linux host
TEST_SCRIPTS += tests/posix/census-host.sh
$(BUILD)/user/bin/threads: MUSL_CFLAGS := $(CENSUS_CFLAGS) -Wno-unused-parameter
$(call musl_program,threads,tests/posix/threads.c,-pthread)
$(BUILD)/user/bin/fscensus: MUSL_CFLAGS := $(CENSUS_CFLAGS)
$(call musl_program,fscensus,tests/posix/fscensus.c tests/posix/fscensus_attr.c tests/posix/fscensus.h)
TEST_SCRIPTS += tests/posix/fscensus-host.sh
TEST_SCRIPTS += tests/posix/fscensus-capix.sh
# programs for the posix-config scenario
$(call musl_program,crash-musl,tests/posix/crash.c)
$(call musl_program,startup,tests/posix/startup.c)
# procs: fork, execve and wait (tests/posix/procs.c), on the host and in capix
$(call musl_program,procs,tests/posix/procs.c tests/posix/ptest.h,-pthread)
TEST_SCRIPTS += tests/posix/procs-test.sh
# vforktest: vfork and posix_spawn children (their own process context in the parent's
# runtime until exec or exit), on the host and in capix with the same output
$(call musl_program,vforktest,tests/posix/vforktest.c tests/posix/ptest.h,-pthread)
TEST_SCRIPTS += tests/posix/vfork-test.sh
# signals: delivery, masks, EINTR and SA_RESTART, stop and continue, pthread_cancel
$(call musl_program,signals,tests/posix/signals.c tests/posix/ptest.h,-pthread)
TEST_SCRIPTS += tests/posix/signals-test.sh
$(call musl_program,fsclient,tests/posix/fsclient.c)
# backcopy: backward string copies (std; rep movsb) that fault in fresh memory
$(call musl_program,backcopy,tests/posix/backcopy.c tests/posix/ptest.h)
TEST_SCRIPTS += tests/posix/backcopy-test.sh
# ttytest: the terminal calls, on a pty on the host and on capix's console
# (tests/terminal/console-test.py runs both)
$(call musl_program,ttytest,tests/posix/ttytest.c tests/posix/passfd.h)
# treetest: a program with its own file tree (scenario sandbox-trees)
$(call musl_program,treetest,tests/posix/treetest.c tests/posix/passfd.h)
# pshared: process-shared mutex, condvar, barrier and semaphores across fork
$(call musl_program,pshared,tests/posix/pshared.c tests/posix/ptest.h,-pthread)
TEST_SCRIPTS += tests/posix/pshared-test.sh
# shmtest: shm_open, sem_open and MAP_SHARED files of /dev/shm between processes
$(call musl_program,shmtest,tests/posix/shmtest.c,-pthread)
TEST_SCRIPTS += tests/posix/shmtest-test.sh
# timeouttest: the steps of the provider-timeout scenario (providers that do not answer)
$(call musl_program,timeouttest,tests/posix/timeouttest.c)
# mqtest: POSIX message queues within a process and across fork (libc/mqueue.c)
$(call musl_program,mqtest,tests/posix/mqtest.c)
TEST_SCRIPTS += tests/posix/mqtest-test.sh
# fifotest: FIFOs and device nodes, open semantics between unrelated processes (libc/pipe.c)
$(call musl_program,fifotest,tests/posix/fifotest.c)
TEST_SCRIPTS += tests/posix/fifotest-test.sh
# locktest: record, OFD and flock locks between processes on a server's file (docs/locks.md)
$(call musl_program,locktest,tests/posix/locktest.c tests/posix/check.h)
TEST_SCRIPTS += tests/posix/locktest-test.sh
# cycles: many short-lived programs of one kind (shared mappings, pipes, ptys, sessions,
# timers, threads) in one boot; quotas must come back to the byte (scenario leaks)
$(call musl_program,cycles,tests/posix/cycles.c,-pthread)
# fidelity: small Linux behaviours a test suite meets (issue 23), on the host and in capix
$(call musl_program,fidelity,tests/posix/fidelity.c,-pthread)
TEST_SCRIPTS += tests/posix/fidelity-test.sh
# efault: bad pointers (unmapped, PROT_NONE) get EFAULT and the process runs on (issue 20)
$(call musl_program,efault,tests/posix/efault.c tests/posix/check.h)
TEST_SCRIPTS += tests/posix/efault-test.sh
# manythreads: 1,000 threads in one process, twice; EAGAIN at the quota (issue 20)
$(call musl_program,manythreads,tests/posix/manythreads.c tests/posix/check.h,-pthread)
TEST_SCRIPTS += tests/posix/manythreads-test.sh
# unixtest: AF_UNIX sockets (socketpair, named and abstract), libc/unix.c
$(call musl_program,unixtest,tests/posix/unixtest.c tests/posix/unixtest_rights.c \
    tests/posix/unixtest_files.c tests/posix/unixtest.h tests/posix/check.h)
TEST_SCRIPTS += tests/posix/unixtest-test.sh
# procstat: /proc/PID/stat and status of the own process and a forked child (issue 20)
$(call musl_program,procstat,tests/posix/procstat.c tests/posix/check.h)
TEST_SCRIPTS += tests/posix/procstat-test.sh
# procmaps: /proc/self/maps of the own process (issue 20)
$(call musl_program,procmaps,tests/posix/procmaps.c tests/posix/check.h)
TEST_SCRIPTS += tests/posix/procmaps-test.sh
# calls: the smaller Linux calls of issue 20, on the host and in capix
$(call musl_program,calls,tests/posix/calls.c)
TEST_SCRIPTS += tests/posix/calls-test.sh
# fdkinds: eventfd, epoll, timerfd and signalfd (issues 18 and 20), on the host and in capix
$(call musl_program,fdkinds,tests/posix/fdkinds.c tests/posix/check.h,-pthread)
TEST_SCRIPTS += tests/posix/fdkinds-test.sh
# sharedfl: status flags shared by every holder of a description (issue 18)
$(call musl_program,sharedfl,tests/posix/sharedfl.c tests/posix/check.h tests/posix/passfd.h)
TEST_SCRIPTS += tests/posix/sharedfl-test.sh
# creds: the setuid family, groups, fork/spawn/exec and set-user-id files (issue 20)
$(call musl_program,creds,tests/posix/creds.c tests/posix/check.h)
TEST_SCRIPTS += tests/posix/creds-test.sh
# exectext: a program's code mapped from a vfs server's pages (scenario exec-shared)
$(call musl_program,exectext,tests/posix/exectext.c)

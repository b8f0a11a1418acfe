# Unmodified static musl programs used by POSIX scenarios; built with the stock
# musl-gcc into build/user/bin/ so that they go into the boot archive.
MUSL_CC := musl-gcc
MUSL_CFLAGS := -static -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror
$(BUILD)/user/bin/hello-musl: tests/posix/hello.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) $< -o $@
ALL_TARGETS += $(BUILD)/user/bin/hello-musl
$(BUILD)/user/bin/census: tests/posix/census.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) -static -O2 -g -Wall -Wextra -Werror $< -o $@
ALL_TARGETS += $(BUILD)/user/bin/census
# the same binary on the Linux host
TEST_SCRIPTS += tests/posix/census-host.sh
$(BUILD)/user/bin/threads: tests/posix/threads.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) -static -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -pthread $< -o $@
ALL_TARGETS += $(BUILD)/user/bin/threads
$(BUILD)/user/bin/fscensus: tests/posix/fscensus.c tests/posix/fscensus_attr.c tests/posix/fscensus.h \
		| $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) -static -O2 -g -Wall -Wextra -Werror $(filter %.c,$^) -o $@
ALL_TARGETS += $(BUILD)/user/bin/fscensus
TEST_SCRIPTS += tests/posix/fscensus-host.sh
TEST_SCRIPTS += tests/posix/fscensus-capix.sh
# programs for the posix-config scenario
$(BUILD)/user/bin/crash-musl: tests/posix/crash.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) $< -o $@
$(BUILD)/user/bin/startup: tests/posix/startup.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) $< -o $@
ALL_TARGETS += $(BUILD)/user/bin/crash-musl $(BUILD)/user/bin/startup
# procs: fork, execve and wait (tests/posix/procs.c), on the host and in capix
$(BUILD)/user/bin/procs: tests/posix/procs.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) -pthread $< -o $@
ALL_TARGETS += $(BUILD)/user/bin/procs
TEST_SCRIPTS += tests/posix/procs-test.sh
# vforktest: vfork and posix_spawn children (their own process context in the parent's
# runtime until exec or exit), on the host and in capix with the same output
$(BUILD)/user/bin/vforktest: tests/posix/vforktest.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) -pthread $< -o $@
ALL_TARGETS += $(BUILD)/user/bin/vforktest
TEST_SCRIPTS += tests/posix/vfork-test.sh
# signals: delivery, masks, EINTR and SA_RESTART, stop and continue, pthread_cancel
$(BUILD)/user/bin/signals: tests/posix/signals.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) -pthread $< -o $@
ALL_TARGETS += $(BUILD)/user/bin/signals
TEST_SCRIPTS += tests/posix/signals-test.sh
$(BUILD)/user/bin/fsclient: tests/posix/fsclient.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) $< -o $@
ALL_TARGETS += $(BUILD)/user/bin/fsclient
# backcopy: backward string copies (std; rep movsb) that fault in fresh memory
$(BUILD)/user/bin/backcopy: tests/posix/backcopy.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) $< -o $@
ALL_TARGETS += $(BUILD)/user/bin/backcopy
TEST_SCRIPTS += tests/posix/backcopy-test.sh
# ttytest: the terminal calls, on a pty on the host and on capix's console
# (tests/terminal/console-test.py runs both)
$(BUILD)/user/bin/ttytest: tests/posix/ttytest.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) $< -o $@
ALL_TARGETS += $(BUILD)/user/bin/ttytest
# treetest: a program with its own file tree (scenario sandbox-trees)
$(BUILD)/user/bin/treetest: tests/posix/treetest.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) $< -o $@
ALL_TARGETS += $(BUILD)/user/bin/treetest
# pshared: process-shared mutex, condvar, barrier and semaphores across fork
$(BUILD)/user/bin/pshared: tests/posix/pshared.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) -pthread $< -o $@
ALL_TARGETS += $(BUILD)/user/bin/pshared
TEST_SCRIPTS += tests/posix/pshared-test.sh
# shmtest: shm_open, sem_open and MAP_SHARED files of /dev/shm between processes
$(BUILD)/user/bin/shmtest: tests/posix/shmtest.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) -pthread $< -o $@
ALL_TARGETS += $(BUILD)/user/bin/shmtest
TEST_SCRIPTS += tests/posix/shmtest-test.sh
# the programs that print their checks through ptest.h
$(addprefix $(BUILD)/user/bin/,procs signals vforktest backcopy pshared): tests/posix/ptest.h
# timeouttest: the steps of the provider-timeout scenario (providers that do not answer)
$(BUILD)/user/bin/timeouttest: tests/posix/timeouttest.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) $< -o $@
ALL_TARGETS += $(BUILD)/user/bin/timeouttest
# mqtest: POSIX message queues within a process and across fork (libc/mqueue.c)
$(BUILD)/user/bin/mqtest: tests/posix/mqtest.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) $< -o $@
ALL_TARGETS += $(BUILD)/user/bin/mqtest
TEST_SCRIPTS += tests/posix/mqtest-test.sh
# fifotest: FIFOs and device nodes, open semantics between unrelated processes (libc/pipe.c)
$(BUILD)/user/bin/fifotest: tests/posix/fifotest.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) $< -o $@
ALL_TARGETS += $(BUILD)/user/bin/fifotest
TEST_SCRIPTS += tests/posix/fifotest-test.sh
# locktest: record, OFD and flock locks between processes on a server's file (docs/locks.md)
$(BUILD)/user/bin/locktest: tests/posix/locktest.c tests/posix/check.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) $< -o $@
ALL_TARGETS += $(BUILD)/user/bin/locktest
TEST_SCRIPTS += tests/posix/locktest-test.sh
# cycles: many short-lived programs of one kind (shared mappings, pipes, ptys, sessions,
# timers, threads) in one boot; quotas must come back to the byte (scenario leaks)
$(BUILD)/user/bin/cycles: tests/posix/cycles.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) -pthread $< -o $@
ALL_TARGETS += $(BUILD)/user/bin/cycles
# fidelity: small Linux behaviours a test suite meets (issue 23), on the host and in capix
$(BUILD)/user/bin/fidelity: tests/posix/fidelity.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) -pthread $< -o $@
ALL_TARGETS += $(BUILD)/user/bin/fidelity
TEST_SCRIPTS += tests/posix/fidelity-test.sh
# efault: bad pointers (unmapped, PROT_NONE) get EFAULT and the process runs on (issue 20)
$(BUILD)/user/bin/efault: tests/posix/efault.c tests/posix/check.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) $< -o $@
ALL_TARGETS += $(BUILD)/user/bin/efault
TEST_SCRIPTS += tests/posix/efault-test.sh
# unixtest: AF_UNIX sockets (socketpair, named and abstract), libc/unix.c
$(BUILD)/user/bin/unixtest: tests/posix/unixtest.c tests/posix/unixtest_rights.c tests/posix/unixtest.h \
		tests/posix/check.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) $(filter %.c,$^) -o $@
ALL_TARGETS += $(BUILD)/user/bin/unixtest
TEST_SCRIPTS += tests/posix/unixtest-test.sh
# procstat: /proc/PID/stat and status of the own process and a forked child (issue 20)
$(BUILD)/user/bin/procstat: tests/posix/procstat.c tests/posix/check.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) $< -o $@
ALL_TARGETS += $(BUILD)/user/bin/procstat
TEST_SCRIPTS += tests/posix/procstat-test.sh
# procmaps: /proc/self/maps of the own process (issue 20)
$(BUILD)/user/bin/procmaps: tests/posix/procmaps.c tests/posix/check.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) $< -o $@
ALL_TARGETS += $(BUILD)/user/bin/procmaps
TEST_SCRIPTS += tests/posix/procmaps-test.sh
# calls: the smaller Linux calls of issue 20, on the host and in capix
$(BUILD)/user/bin/calls: tests/posix/calls.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) $< -o $@
ALL_TARGETS += $(BUILD)/user/bin/calls
TEST_SCRIPTS += tests/posix/calls-test.sh
# fdkinds: eventfd, epoll, timerfd and signalfd (issues 18 and 20), on the host and in capix
$(BUILD)/user/bin/fdkinds: tests/posix/fdkinds.c tests/posix/check.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) -pthread $< -o $@
ALL_TARGETS += $(BUILD)/user/bin/fdkinds
TEST_SCRIPTS += tests/posix/fdkinds-test.sh
# creds: the setuid family, groups, fork/spawn/exec and set-user-id files (issue 20)
$(BUILD)/user/bin/creds: tests/posix/creds.c tests/posix/check.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) $< -o $@
ALL_TARGETS += $(BUILD)/user/bin/creds
TEST_SCRIPTS += tests/posix/creds-test.sh

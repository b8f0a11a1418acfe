# tests/net/: socket behaviours (issue 18), one static program for the Linux host and
# capix (README.md).
$(call musl_program,socktest,tests/net/socktest.c tests/posix/ptest.h tests/posix/passfd.h)
TEST_SCRIPTS += tests/net/socktest-test.sh

/*
 * What the two files of hostile share: hostile.c (the fuzzing phases, their supervisor,
 * the fork bomb, and main) and hostile_checks.c (the checks of what a guessing attacker
 * could find, run before the fuzzing).
 */
#ifndef HOSTILE_H
#define HOSTILE_H

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <capix/abi.h>
#include <capix/posix_protocol.h>
#include "native.h" /* the gadget finder and native() */

/* The runtime's information page (RT_INFO_ADDR). */
const struct rt_info *info(void);
/* The machine's free memory as the sandbox sees it (sysinfo), in bytes. */
uint64_t free_bytes(void);
/* The PASS/FAIL checks of hostile_checks.c: the number that failed. */
int checks(void);

#endif

/*
 * The kernel side of vfs_abi_test: the constants of abi_list.h's ABI_UAPI_CONSTANTS and
 * ABI_UAPI_PREFIXED as the kernel's own uapi headers define them. It includes no libc
 * header: glibc lacks some of them (SA_RESTORER) and declares others as enum constants
 * (sigaltstack's, setitimer's, epoll's and timerfd's flags), which the uapi macros of
 * the same names would break; abi_host.c holds glibc's side.
 */
#include <linux/eventpoll.h>
#include <linux/mman.h>
#include <linux/prctl.h>
#include <linux/signal.h>
#include <linux/time.h>
#include <linux/timerfd.h>

#include "abi_list.h"

ABI_GROUP(abi_uapi_constants, ABI_UAPI_CONSTANTS);
ABI_GROUP(abi_uapi_prefixed, ABI_UAPI_PREFIXED);

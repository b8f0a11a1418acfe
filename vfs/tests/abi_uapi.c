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

#define VALUE(name) (long)(name),
#define NAME(name) #name,

const long abi_uapi_values[] = {ABI_UAPI_CONSTANTS(VALUE)};
const char *const abi_uapi_names[] = {ABI_UAPI_CONSTANTS(NAME)};
const unsigned long abi_uapi_count = sizeof abi_uapi_values / sizeof abi_uapi_values[0];
const long abi_uapi_prefixed[] = {ABI_UAPI_PREFIXED(VALUE)};
const char *const abi_uapi_prefixed_names[] = {ABI_UAPI_PREFIXED(NAME)};
const unsigned long abi_uapi_prefixed_count =
    sizeof abi_uapi_prefixed / sizeof abi_uapi_prefixed[0];

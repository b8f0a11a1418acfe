/*
 * Scheduling calls, answered as Linux answers for a process of the normal class on a
 * one-CPU machine (docs/runtime.md, "Scheduling"): sched_{get,set}scheduler and
 * _param (SCHED_OTHER, SCHED_BATCH and SCHED_IDLE are taken; the real-time classes are
 * EPERM: a sandbox gets no real-time priority), sched_get_priority_{min,max},
 * sched_rr_get_interval, sched_setaffinity (CPU 0 must be in the mask), getcpu,
 * getpriority and setpriority (the nice value, kept for the process and inherited
 * across fork and exec; a positive one puts the process's threads one kernel
 * priority below the sandbox's, so that it yields to the others), and prctl's
 * PR_SET_NAME/PR_GET_NAME and PR_SET_DUMPABLE/PR_GET_DUMPABLE, and its process-tree
 * options PR_SET_PDEATHSIG/PR_GET_PDEATHSIG and PR_SET_CHILD_SUBREAPER/
 * PR_GET_CHILD_SUBREAPER, which the launcher holds and acts on (RT_LABEL_PRCTL; the
 * capability options are creds.c's, rt_creds_prctl); and
 * membarrier, whose barriers one CPU gives for nothing (Linux returns at once too when
 * it has one CPU online). Only the calling process and its threads (one policy and nice
 * value for all) are known here: another pid is ESRCH. execve takes back PR_SET_NAME's
 * name and the membarrier registrations (rt_sched_exec).
 */
#include <string.h>
#include "creds.h"
#include "runtime.h"

/* membarrier's commands (Linux's numbers, bits of MEMBARRIER_CMD_QUERY's answer) */
#define MB_QUERY 0
#define MB_GLOBAL 1
#define MB_GLOBAL_EXPEDITED 2
#define MB_REGISTER_GLOBAL_EXPEDITED 4
#define MB_PRIVATE_EXPEDITED 8
#define MB_REGISTER_PRIVATE_EXPEDITED 16
#define MB_PRIVATE_EXPEDITED_SYNC_CORE 32
#define MB_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE 64
#define MB_PRIVATE_EXPEDITED_RSEQ 128
#define MB_FLAG_CPU 1
/* what a 6.1 Linux on x86_64 without rseq offers (uname says 6.1; no
 * MEMBARRIER_CMD_GET_REGISTRATIONS, which came with 6.3) */
#define MB_SUPPORTED                                                                               \
    (MB_GLOBAL | MB_GLOBAL_EXPEDITED | MB_REGISTER_GLOBAL_EXPEDITED | MB_PRIVATE_EXPEDITED |       \
     MB_REGISTER_PRIVATE_EXPEDITED | MB_PRIVATE_EXPEDITED_SYNC_CORE |                              \
     MB_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE)

static int policy = SCHED_OTHER; /* with SCHED_RESET_ON_FORK when it was asked */
static int mb_registered;        /* MB_REGISTER_* commands this address space has made */
static int nice_value;           /* -20..19 */
static int dumpable = 1;
static char comm[16]; /* PR_SET_NAME's, or "" for the program's name */

/* The process or one of its threads (pthread_getschedparam asks by thread id); pids
 * are ints: the upper half of the register is not the caller's. */
bool rt_sched_self(uint64_t pid)
{
    uint32_t id = (uint32_t)pid;
    if (id == 0 || id == rt_pid())
        return true;
    return rt_tsig_by_tid(id, NULL) != NULL;
}

static long get_param(uint64_t pid, uint64_t param)
{
    if ((int32_t)pid < 0 || !param)
        return -EINVAL;
    if (!rt_user_write(param, 4))
        return -EFAULT;
    if (!rt_sched_self(pid))
        return -ESRCH;
    *(int32_t *)param = 0; /* the normal classes have priority 0 */
    return 0;
}

static long set_scheduler(uint64_t pid, int64_t pol, uint64_t param, bool keep_policy)
{
    if ((int32_t)pid < 0 || !param)
        return -EINVAL;
    if (!rt_user_read(param, 4))
        return -EFAULT;
    int p = keep_policy ? policy & ~SCHED_RESET_ON_FORK : (int)(pol & ~SCHED_RESET_ON_FORK);
    int32_t prio = *(const int32_t *)param;
    bool rt_class = p == SCHED_FIFO || p == SCHED_RR;
    if (pol < 0 || (!rt_class && p != SCHED_OTHER && p != SCHED_BATCH && p != SCHED_IDLE))
        return -EINVAL;
    if (rt_class ? prio < 1 || prio > 99 : prio != 0)
        return -EINVAL;
    if (!rt_sched_self(pid))
        return -ESRCH;
    if (rt_class)
        return -EPERM; /* no real-time class in a sandbox */
    if (!keep_policy)
        policy = (int)pol;
    return 0;
}

static long set_priority(uint64_t which, uint64_t who, int64_t n)
{
    if (which > 2)
        return -EINVAL;
    if (!(which == 0 ? rt_sched_self(who) : who == 0))
        return -ESRCH; /* PRIO_PROCESS, PRIO_PGRP, PRIO_USER: only our own is known */
    n = n < -20 ? -20 : n > 19 ? 19 : n;
    /* the kernel lets a thread lower priorities, never raise them past its own: a
     * positive nice value taken back is EACCES, as for a process without
     * CAP_SYS_NICE on Linux */
    uint64_t base = rt->priority, prio = n > 0 && base > 0 ? base - 1 : base;
    if (rt_threads_set_priority(prio))
        return -EACCES;
    nice_value = (int)n;
    return 0;
}

/* The calling thread's name (PR_GET_NAME): PR_SET_NAME's, else the program's file name
 * as the kernel's comm would be (its first 15 bytes). */
static void name_of(char out[16])
{
    memset(out, 0, 16);
    if (comm[0]) {
        memcpy(out, comm, 16);
        return;
    }
    const char *p = rt_exe_path;
    for (const char *q = rt_exe_path; *q; q++)
        if (*q == '/')
            p = q + 1;
    size_t n = strlen(p);
    memcpy(out, p, n < 15 ? n : 15);
}

/* A process-tree option, asked of the launcher (RT_PRCTL_*); a GET's value goes to the
 * int at out (0 for a SET). */
static long tree_option(uint64_t op, uint64_t arg, uint64_t out)
{
    bool get = op == RT_PRCTL_GET_PDEATHSIG || op == RT_PRCTL_GET_SUBREAPER;
    if (get && !rt_user_write(out, 4))
        return -EFAULT;
    struct cx_ret r = cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_PRCTL, 2, 0), op, arg, 0, 0);
    if (r.err)
        return -EAGAIN;
    if ((long)r.rdx < 0 || !get)
        return (long)r.rdx;
    *(int32_t *)out = (int32_t)r.rdx;
    return 0;
}

static long prctl(const uint64_t *a)
{
    static uint8_t said[64];
    uint64_t op = a[0], a2 = a[1];
    long r = rt_creds_prctl(a); /* the capability and securebits options */
    if (r != RT_NOT_MINE)
        return r;
    switch (op) {
    case PR_SET_NAME:
        if (!rt_user_read(a2, 1))
            return -EFAULT;
        memset(comm, 0, sizeof(comm));
        for (size_t i = 0; i < 15 && ((const char *)a2)[i]; i++)
            comm[i] = ((const char *)a2)[i];
        return 0;
    case PR_GET_NAME: {
        if (!rt_user_write(a2, 16))
            return -EFAULT;
        char n[16];
        name_of(n);
        memcpy((void *)a2, n, 16);
        return 0;
    }
    case PR_SET_PDEATHSIG:
        if (a2 > 64)
            return -EINVAL; /* no such signal */
        return tree_option(RT_PRCTL_SET_PDEATHSIG, a2, 0);
    case PR_GET_PDEATHSIG:
        return tree_option(RT_PRCTL_GET_PDEATHSIG, 0, a2);
    case PR_SET_CHILD_SUBREAPER:
        return tree_option(RT_PRCTL_SET_SUBREAPER, a2 != 0, 0);
    case PR_GET_CHILD_SUBREAPER:
        return tree_option(RT_PRCTL_GET_SUBREAPER, 0, a2);
    case PR_GET_DUMPABLE:
        return dumpable;
    case PR_SET_DUMPABLE:
        if (a2 > 1)
            return -EINVAL;
        dumpable = (int)a2;
        return 0;
    default:
        if (op < 64 * 8 && !(said[op / 8] & (1u << (op % 8)))) {
            said[op / 8] |= (uint8_t)(1u << (op % 8));
            rt_log("[runtime] prctl option %lu is not supported: EINVAL\n", op);
        }
        return -EINVAL;
    }
}

/*
 * membarrier (docs/runtime.md, "membarrier"): on one CPU no other thread runs while the
 * caller does, and a thread that runs next does so after the kernel's switch, so every
 * barrier is there already, the core-serializing one too (the processor orders its own
 * code modifications; there is no other one to serialize). Registrations are kept
 * (a fork child has the copy of them; exec drops them) only so that the expedited
 * commands give EPERM without one, as on Linux. The rseq commands are EINVAL, as on a
 * Linux built without rseq (rseq itself is ENOSYS).
 */
static long membarrier(int64_t cmd, uint64_t flags)
{
    if (cmd == MB_PRIVATE_EXPEDITED_RSEQ ? flags & ~(uint64_t)MB_FLAG_CPU : flags)
        return -EINVAL;
    switch (cmd) {
    case MB_QUERY:
        return MB_SUPPORTED;
    case MB_GLOBAL:
    case MB_GLOBAL_EXPEDITED:
        return 0;
    case MB_PRIVATE_EXPEDITED:
    case MB_PRIVATE_EXPEDITED_SYNC_CORE:
        return mb_registered & (cmd << 1) ? 0 : -EPERM; /* its REGISTER_ command's bit */
    case MB_REGISTER_GLOBAL_EXPEDITED:
    case MB_REGISTER_PRIVATE_EXPEDITED:
    case MB_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE:
        mb_registered |= (int)cmd;
        return 0;
    default:
        return -EINVAL;
    }
}

void rt_sched_exec(void)
{
    mb_registered = 0;
    memset(comm, 0, sizeof(comm)); /* the new program's file name, as Linux's comm */
}

long rt_sched_syscall(const struct rt_call *c)
{
    const uint64_t *a = c->a;
    switch (c->nr) {
    case NR_sched_getscheduler:
        if ((int32_t)a[0] < 0)
            return -EINVAL;
        return rt_sched_self(a[0]) ? policy : -ESRCH;
    case NR_sched_setscheduler:
        return set_scheduler(a[0], (int32_t)a[1], a[2], false);
    case NR_sched_getparam:
        return get_param(a[0], a[1]);
    case NR_sched_setparam:
        return set_scheduler(a[0], 0, a[1], true);
    case NR_sched_get_priority_max:
    case NR_sched_get_priority_min: {
        int64_t p = (int32_t)a[0];
        if (p == SCHED_FIFO || p == SCHED_RR)
            return c->nr == NR_sched_get_priority_max ? 99 : 1;
        return p == SCHED_OTHER || p == SCHED_BATCH || p == SCHED_IDLE ? 0 : -EINVAL;
    }
    case NR_sched_rr_get_interval: {
        if ((int32_t)a[0] < 0)
            return -EINVAL;
        if (!rt_user_write(a[1], 16))
            return -EFAULT;
        if (!rt_sched_self(a[0]))
            return -ESRCH;
        int64_t *ts = (int64_t *)a[1]; /* 0 for a class without a round-robin slice */
        ts[0] = 0, ts[1] = 0;
        return 0;
    }
    case NR_sched_setaffinity: {
        if (!a[1] || !rt_user_read(a[2], a[1]))
            return a[1] ? -EFAULT : -EINVAL;
        if (!rt_sched_self(a[0]))
            return -ESRCH;
        return *(const uint8_t *)a[2] & 1 ? 0 : -EINVAL; /* CPU 0 is the only one */
    }
    case NR_getcpu:
        if (!rt_user_write_opt(a[0], 4) || !rt_user_write_opt(a[1], 4))
            return -EFAULT;
        if (a[0])
            *(uint32_t *)a[0] = 0;
        if (a[1])
            *(uint32_t *)a[1] = 0;
        return 0;
    case NR_getpriority:
        if (a[0] > 2)
            return -EINVAL;
        if (!(a[0] == 0 ? rt_sched_self(a[1]) : a[1] == 0))
            return -ESRCH;
        return 20 - nice_value; /* the raw call's form: 40..1 for nice -20..19 */
    case NR_setpriority:
        return set_priority(a[0], a[1], (int64_t)(int32_t)a[2]);
    case NR_prctl:
        return prctl(a);
    case NR_membarrier:
        return membarrier((int32_t)a[0], (uint32_t)a[1]);
    default:
        return RT_NOT_MINE;
    }
}

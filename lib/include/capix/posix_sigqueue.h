/*
 * Producing queued signal instances in a process's signal page (struct rt_sigpage in
 * posix_protocol.h). Shared by the launcher and the runtime (for its own sigqueue): both may
 * produce at once, so an entry is claimed by compare-and-swap; only the runtime, under
 * its lock, consumes (libc/signal.c). A producer never waits: the page is writable by
 * the process, so the launcher trusts nothing in it beyond the bounds of the array.
 */
#ifndef CAPIX_POSIX_SIGQUEUE_H
#define CAPIX_POSIX_SIGQUEUE_H

#include <capix/posix_protocol.h>

/* Queues one instance of sig (tid 0: for the process, else for that thread) in pg; 0,
 * or -11 (EAGAIN) when the page's limit of full entries is reached. The caller then
 * redirects the process's main thread. */
static inline int rt_sigq_push(struct rt_sigpage *pg, int sig, int code, int pid, int uid,
                               uint64_t value, int tid)
{
    uint32_t limit = pg->limit;
    if (!limit || limit > RT_SIGQ_LEN)
        limit = RT_SIGQ_LEN;
    uint32_t used = 0;
    for (unsigned i = 0; i < RT_SIGQ_LEN; i++)
        used += __atomic_load_n(&pg->queue[i].state, __ATOMIC_ACQUIRE) != RT_SIGQ_FREE;
    if (used >= limit)
        return -11;
    for (unsigned i = 0; i < RT_SIGQ_LEN; i++) {
        struct rt_sigq_entry *e = &pg->queue[i];
        uint32_t expect = RT_SIGQ_FREE;
        if (!__atomic_compare_exchange_n(&e->state, &expect, RT_SIGQ_CLAIMED, false,
                                         __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
            continue;
        e->seq = __atomic_fetch_add(&pg->next_seq, 1, __ATOMIC_RELAXED);
        e->sig = sig, e->code = code, e->pid = pid, e->uid = uid;
        e->value = value, e->tid = tid;
        __atomic_store_n(&e->state, RT_SIGQ_FULL, __ATOMIC_SEQ_CST);
        __atomic_or_fetch(tid ? &pg->tpending : &pg->qpending, 1ul << (sig - 1), __ATOMIC_SEQ_CST);
        return 0;
    }
    return -11;
}

#endif

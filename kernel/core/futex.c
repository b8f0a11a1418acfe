/*
 * Futex wait queues: a thread waits until the 32-bit word at a byte offset of a memory
 * object is woken, keyed by (object, offset) so that every domain mapping the object
 * meets the same queue whatever address it maps it at.
 *
 * No allocation: a waiter is linked through its own qnext/qprev (a blocked thread is on
 * no run queue) into one of FUTEX_BUCKETS lists chosen by a hash of the key, in arrival
 * order; its key is waiting_on (the struct mem) and futex_off. A wait is taken off its
 * bucket by a wake, its timeout, a redirect, the thread's death (futex_cancel through
 * wait_cancel) or the object's destruction (futex_mem_gone: the waiter gets CX_E_DEAD).
 * The value check and the enqueue happen with interrupts off on one CPU, so a wake that
 * follows a change of the word cannot pass a waiter between its check and its sleep.
 */
#include "kernel.h"

#define FUTEX_BUCKETS 64

struct bucket {
    struct thread *head, *tail;
};
static struct bucket buckets[FUTEX_BUCKETS];
static uint64_t nwaiting; /* threads in all buckets (futex_mem_gone looks only if any) */

static struct bucket *bucket_of(const struct mem *m, uint64_t off)
{
    uint64_t h = ((uint64_t)m >> 6) ^ (off >> 2) * 0x9e3779b97f4a7c15ul;
    return &buckets[(h ^ (h >> 29)) % FUTEX_BUCKETS];
}

static void bucket_remove(struct bucket *b, struct thread *t)
{
    if (t->qprev)
        t->qprev->qnext = t->qnext;
    else
        b->head = t->qnext;
    if (t->qnext)
        t->qnext->qprev = t->qprev;
    else
        b->tail = t->qprev;
    t->qnext = t->qprev = NULL;
    nwaiting--;
}

/* The word at byte offset off of m (4-aligned, inside m); an untouched page reads 0. */
static uint32_t word_at(struct mem *m, uint64_t off)
{
    uint64_t pa = mem_frame(m, off / PAGE_SIZE, false);
    if (!pa)
        return 0;
    return __atomic_load_n((uint32_t *)((char *)phys_to_virt(pa) + off % PAGE_SIZE),
                           __ATOMIC_SEQ_CST);
}

/* Blocks t on (m, off) if the word there is expected: 1 (blocked: rax comes with the
 * wake), or CX_E_CHANGED, or CX_E_TIMEOUT for a zero timeout. Offset checked by the
 * caller. */
long futex_do_wait(struct thread *t, struct mem *m, uint64_t off, uint32_t expected,
                   uint64_t timeout_ns)
{
    if (word_at(m, off) != expected)
        return CX_E_CHANGED;
    if (timeout_ns == 0)
        return CX_E_TIMEOUT;
    struct bucket *b = bucket_of(m, off);
    thread_block(t, W_FUTEX, m, timeout_ns);
    t->futex_off = off;
    t->qnext = NULL;
    t->qprev = b->tail;
    if (b->tail)
        b->tail->qnext = t;
    else
        b->head = t;
    b->tail = t;
    nwaiting++;
    return 1;
}

/* Wakes up to count waiters of (m, off), oldest first; returns how many. */
uint64_t futex_do_wake(struct mem *m, uint64_t off, uint64_t count)
{
    struct bucket *b = bucket_of(m, off);
    uint64_t woken = 0;
    for (struct thread *t = b->head, *next; t && woken < count; t = next) {
        next = t->qnext;
        if (t->waiting_on != m || t->futex_off != off)
            continue;
        bucket_remove(b, t);
        t->wait = W_NONE;
        t->waiting_on = NULL;
        thread_unblock(t, 0);
        woken++;
    }
    return woken;
}

/* t leaves its futex wait (timeout, redirect, death); the caller finishes the wait. */
void futex_cancel(struct thread *t)
{
    bucket_remove(bucket_of(t->waiting_on, t->futex_off), t);
}

/* m is being destroyed: every waiter on it wakes with CX_E_DEAD. */
void futex_mem_gone(struct mem *m)
{
    for (unsigned i = 0; i < FUTEX_BUCKETS && nwaiting; i++) {
        struct bucket *b = &buckets[i];
        for (struct thread *t = b->head, *next; t; t = next) {
            next = t->qnext;
            if (t->waiting_on != m)
                continue;
            bucket_remove(b, t);
            t->wait = W_NONE;
            t->waiting_on = NULL;
            thread_unblock(t, CX_E_DEAD);
        }
    }
}

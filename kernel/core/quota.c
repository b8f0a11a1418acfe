/*
 * Memory quotas. Every kernel object, page table and memory page is charged to one.
 * quota_create splits a quota: the child's whole limit is charged to the parent
 * until the child is freed (when it is destroyed and nothing charged to it is left).
 * Exhaustion is an error for the caller only.
 */
#include "kernel.h"

int quota_charge(struct quota *q, uint64_t bytes)
{
    if (!q)
        return 0; /* kernel-internal objects made before the root quota */
    if (q->obj.dead || bytes > q->limit - q->used)
        return CX_E_NO_QUOTA;
    q->used += bytes;
    return 0;
}

void quota_uncharge(struct quota *q, uint64_t bytes)
{
    if (!q)
        return;
    KASSERT(q->used >= bytes);
    q->used -= bytes;
}

struct quota *quota_root_create(uint64_t bytes)
{
    int err;
    struct quota *q = kobj_alloc(NULL, CX_T_QUOTA, sizeof(*q), &err);
    KASSERT(q);
    q->limit = bytes;
    q->group = q;
    return q;
}

void quota_teardown(struct quota *q)
{
    /* Nothing to do at once: objects charged to it keep references. */
}

void quota_release(struct quota *q)
{
    for (unsigned c = 0; c < KHEAP_SLAB_CLASSES; c++)
        KASSERT(!q->heap[c]); /* everything charged to it is freed: so are its heap pages */
    if (q->parent) {
        quota_uncharge(q->parent, q->limit);
        kobj_put(&q->parent->obj);
    }
}

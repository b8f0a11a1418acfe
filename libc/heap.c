/*
 * The runtime's private heap, separate from the program's malloc: libcapix's heap
 * (lib/capix/heap.c) over RT_HEAP_BASE, charged to the process's quota.
 */
#include <capix/heap.h>
#include "runtime.h"

static struct cx_heap heap = {
    .base = RT_HEAP_BASE,
    .limit = RT_HEAP_LIMIT,
    .slot_alloc = rt_slot_alloc,
    .slot_free = rt_slot_free,
};

void *rt_alloc(size_t size)
{
    heap.quota = rt->slot_quota;
    heap.pd = rt->slot_pd;
    return cx_heap_alloc(&heap, size);
}

void rt_free(void *p, size_t size)
{
    cx_heap_free(&heap, p, size);
}

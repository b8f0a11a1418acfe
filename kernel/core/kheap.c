/*
 * Kernel heap: power-of-two size classes from 32 bytes to one page, each a free list
 * of blocks carved from whole frames. Callers pass the size back to kfree. The bytes
 * charged to a quota for an object are kmalloc_class(size), what it really takes.
 */
#include "kernel.h"

#define MIN_SHIFT 5
#define NCLASSES 8 /* 32 .. 4096 */

static void *free_lists[NCLASSES];

static int class_of(size_t size)
{
    int c = 0;
    while (((size_t)1 << (c + MIN_SHIFT)) < size)
        c++;
    return c;
}

size_t kmalloc_class(size_t size)
{
    return (size_t)1 << (class_of(size) + MIN_SHIFT);
}

void *kmalloc(size_t size)
{
    KASSERT(size > 0 && size <= PAGE_SIZE);
    int c = class_of(size);
    size_t bs = (size_t)1 << (c + MIN_SHIFT);
    if (!free_lists[c]) {
        uint64_t pa = pmem_alloc();
        if (!pa)
            return NULL;
        char *page = phys_to_virt(pa);
        for (size_t off = 0; off < PAGE_SIZE; off += bs) {
            *(void **)(page + off) = free_lists[c];
            free_lists[c] = page + off;
        }
    }
    void *p = free_lists[c];
    free_lists[c] = *(void **)p;
    memset(p, 0, bs);
    return p;
}

void kfree(void *p, size_t size)
{
    if (!p)
        return;
    int c = class_of(size);
    *(void **)p = free_lists[c];
    free_lists[c] = p;
}

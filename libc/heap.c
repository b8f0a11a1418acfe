/*
 * The runtime's private heap, separate from the program's malloc. Callers give the size
 * back when they free (the VFS interface does), so blocks carry no header.
 * Small blocks (up to 2 KiB) come from power-of-two free lists carved from pages;
 * larger ones are whole pages, first fit from a list of free page runs. The heap grows
 * upwards from RT_HEAP_BASE in 256 KiB steps, each a memory object charged to the
 * process's quota when it is made.
 */
#include <string.h>
#include "runtime.h"

#define MIN_SHIFT 4
#define NCLASSES 8 /* 16 .. 2048 */
#define GROW (256ul << 10)
#define HEAP_LIMIT RT_HEAP_LIMIT

struct run {
    uint64_t pages;
    struct run *next;
};

static void *free_lists[NCLASSES];
static struct run *runs;
static uint64_t heap_end = RT_HEAP_BASE; /* end of the mapped heap */
static uint64_t heap_top = RT_HEAP_BASE; /* end of what was handed out */

static int class_of(size_t size)
{
    int c = 0;
    while (((size_t)1 << (c + MIN_SHIFT)) < size)
        c++;
    return c;
}

static int grow(uint64_t bytes)
{
    bytes = (bytes + GROW - 1) & ~(GROW - 1);
    if (heap_end + bytes > RT_HEAP_BASE + HEAP_LIMIT)
        return -1;
    uint64_t slot = rt_slot_alloc();
    if (!slot)
        return -1;
    if (cx_mem_create(rt->slot_quota, bytes / CX_PAGE_SIZE, slot) ||
        cx_map(rt->slot_pd, slot, 0, heap_end, bytes / CX_PAGE_SIZE, CX_MAP_R | CX_MAP_W)) {
        cx_cap_delete(slot);
        rt_slot_free(slot);
        return -1;
    }
    heap_end += bytes;
    return 0;
}

static void *take_pages(uint64_t pages)
{
    for (struct run **pp = &runs; *pp; pp = &(*pp)->next) {
        struct run *r = *pp;
        if (r->pages < pages)
            continue;
        if (r->pages == pages) {
            *pp = r->next;
        } else {
            struct run *rest = (struct run *)((char *)r + pages * CX_PAGE_SIZE);
            rest->pages = r->pages - pages;
            rest->next = r->next;
            *pp = rest;
        }
        memset(r, 0, pages * CX_PAGE_SIZE);
        return r;
    }
    uint64_t bytes = pages * CX_PAGE_SIZE;
    if (heap_top + bytes > heap_end && grow(heap_top + bytes - heap_end))
        return NULL;
    void *p = (void *)heap_top;
    heap_top += bytes;
    return p; /* fresh memory is zero */
}

void *rt_alloc(size_t size)
{
    if (size == 0)
        size = 1;
    if (size > ((size_t)1 << (MIN_SHIFT + NCLASSES - 1)))
        return take_pages((size + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE);
    int c = class_of(size);
    size_t bs = (size_t)1 << (c + MIN_SHIFT);
    if (!free_lists[c]) {
        char *page = take_pages(1);
        if (!page)
            return NULL;
        for (size_t off = 0; off < CX_PAGE_SIZE; off += bs) {
            *(void **)(page + off) = free_lists[c];
            free_lists[c] = page + off;
        }
    }
    void *p = free_lists[c];
    free_lists[c] = *(void **)p;
    memset(p, 0, bs);
    return p;
}

void rt_free(void *p, size_t size)
{
    if (!p)
        return;
    if (size == 0)
        size = 1;
    if (size > ((size_t)1 << (MIN_SHIFT + NCLASSES - 1))) {
        struct run *r = p;
        r->pages = (size + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE;
        r->next = runs;
        runs = r;
        return;
    }
    int c = class_of(size);
    *(void **)p = free_lists[c];
    free_lists[c] = p;
}

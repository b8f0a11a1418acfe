/*
 * A heap for capix programs that have no libc: the POSIX runtime's private heap and
 * native servers (lib/include/capix/heap.h). Callers give the size back when they free
 * (the VFS interface does), so blocks carry no header. Small blocks (up to 2 KiB) come
 * from power-of-two free lists carved from pages; larger ones are whole pages, first fit
 * from a list of free page runs. The heap grows upwards from its base in steps of at
 * least 256 KiB, each a memory object charged to the given quota when it is made.
 * Not thread-safe: callers hold their own lock.
 */
#include <capix/capix.h>
#include <capix/heap.h>
#include <string.h>

#define MIN_SHIFT 4
#define GROW (256ul << 10)

struct cx_heap_run {
    uint64_t pages;
    struct cx_heap_run *next;
};

static int class_of(size_t size)
{
    int c = 0;
    while (((size_t)1 << (c + MIN_SHIFT)) < size)
        c++;
    return c;
}

static int grow(struct cx_heap *h, uint64_t bytes)
{
    bytes = (bytes + GROW - 1) & ~(GROW - 1);
    if (h->end + bytes > h->base + h->limit)
        return -1;
    uint64_t slot = h->slot_alloc();
    if (!slot)
        return -1;
    if (cx_mem_create(h->quota, bytes / CX_PAGE_SIZE, slot) ||
        cx_map(h->pd, slot, 0, h->end, bytes / CX_PAGE_SIZE, CX_MAP_R | CX_MAP_W)) {
        cx_cap_delete(slot);
        h->slot_free(slot);
        return -1;
    }
    h->end += bytes;
    return 0;
}

static void *take_pages(struct cx_heap *h, uint64_t pages)
{
    for (struct cx_heap_run **pp = &h->runs; *pp; pp = &(*pp)->next) {
        struct cx_heap_run *r = *pp;
        if (r->pages < pages)
            continue;
        if (r->pages == pages) {
            *pp = r->next;
        } else {
            struct cx_heap_run *rest = (struct cx_heap_run *)((char *)r + pages * CX_PAGE_SIZE);
            rest->pages = r->pages - pages;
            rest->next = r->next;
            *pp = rest;
        }
        memset(r, 0, pages * CX_PAGE_SIZE);
        return r;
    }
    uint64_t bytes = pages * CX_PAGE_SIZE;
    if (!h->top)
        h->top = h->end = h->base;
    if (h->top + bytes > h->end && grow(h, h->top + bytes - h->end))
        return NULL;
    void *p = (void *)h->top;
    h->top += bytes;
    return p; /* fresh memory is zero */
}

void *cx_heap_alloc(struct cx_heap *h, size_t size)
{
    if (size == 0)
        size = 1;
    if (size > ((size_t)1 << (MIN_SHIFT + CX_HEAP_CLASSES - 1)))
        return take_pages(h, (size + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE);
    int c = class_of(size);
    size_t bs = (size_t)1 << (c + MIN_SHIFT);
    if (!h->free_lists[c]) {
        char *page = take_pages(h, 1);
        if (!page)
            return NULL;
        for (size_t off = 0; off < CX_PAGE_SIZE; off += bs) {
            *(void **)(page + off) = h->free_lists[c];
            h->free_lists[c] = page + off;
        }
    }
    void *p = h->free_lists[c];
    h->free_lists[c] = *(void **)p;
    memset(p, 0, bs);
    return p;
}

void cx_heap_free(struct cx_heap *h, void *p, size_t size)
{
    if (!p)
        return;
    if (size == 0)
        size = 1;
    if (size > ((size_t)1 << (MIN_SHIFT + CX_HEAP_CLASSES - 1))) {
        struct cx_heap_run *r = p;
        r->pages = (size + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE;
        r->next = h->runs;
        h->runs = r;
        return;
    }
    int c = class_of(size);
    *(void **)p = h->free_lists[c];
    h->free_lists[c] = p;
}

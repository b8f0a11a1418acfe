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
    if (h->top < h->high) /* below the old top (it was lowered): used before */
        memset(p, 0, (h->high < h->top + bytes ? h->high : h->top + bytes) - h->top);
    h->top += bytes;
    if (h->top > h->high)
        h->high = h->top;
    return p; /* memory above the old top is fresh, zero */
}

/*
 * Gives pages back: the free runs are kept in address order and merged with their
 * neighbours, and a run that reaches the top lowers the top. So a buffer that grows by
 * doubling (a ram file) leaves one run behind, not a trail of ever smaller ones that no
 * later request fits.
 */
static void free_pages(struct cx_heap *h, void *p, uint64_t pages)
{
    uint64_t start = (uint64_t)p, end = start + pages * CX_PAGE_SIZE;
    struct cx_heap_run **pp = &h->runs, *prev = NULL;
    while (*pp && (uint64_t)*pp < start) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    struct cx_heap_run *next = *pp, *r = p;
    r->pages = pages;
    r->next = next;
    *pp = r;
    if (next && end == (uint64_t)next) { /* merge with the run above */
        r->pages += next->pages;
        r->next = next->next;
    }
    if (prev && (uint64_t)prev + prev->pages * CX_PAGE_SIZE == start) { /* and below */
        prev->pages += r->pages;
        prev->next = r->next;
        r = prev;
    }
    if ((uint64_t)r + r->pages * CX_PAGE_SIZE == h->top) { /* the last run: lower the top */
        struct cx_heap_run **q = &h->runs;
        while (*q != r)
            q = &(*q)->next;
        *q = r->next;
        h->top = (uint64_t)r;
    }
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

bool cx_heap_grow(struct cx_heap *h, void *p, size_t size, size_t new_size)
{
    const size_t small = (size_t)1 << (MIN_SHIFT + CX_HEAP_CLASSES - 1);
    uint64_t pages = (size + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE;
    uint64_t more = (new_size + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE;
    if (!p || size <= small || new_size <= size || (uint64_t)p + pages * CX_PAGE_SIZE != h->top)
        return false;
    more -= pages;
    if (!more)
        return true;
    uint64_t bytes = more * CX_PAGE_SIZE;
    if (h->top + bytes > h->end && grow(h, h->top + bytes - h->end))
        return false;
    if (h->top < h->high) /* below the old top: used before */
        memset((void *)h->top, 0, (h->high < h->top + bytes ? h->high : h->top + bytes) - h->top);
    h->top += bytes;
    if (h->top > h->high)
        h->high = h->top;
    return true;
}

void cx_heap_free(struct cx_heap *h, void *p, size_t size)
{
    if (!p)
        return;
    if (size == 0)
        size = 1;
    if (size > ((size_t)1 << (MIN_SHIFT + CX_HEAP_CLASSES - 1))) {
        free_pages(h, p, (size + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE);
        return;
    }
    int c = class_of(size);
    *(void **)p = h->free_lists[c];
    h->free_lists[c] = p;
}

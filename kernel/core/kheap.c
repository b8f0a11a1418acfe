/*
 * Kernel heap: power-of-two size classes from 32 bytes to one page. Whole pages
 * (the largest class) come from and go back to the frame allocator directly. Smaller
 * blocks are carved from frames; each class keeps a doubly linked free list of blocks,
 * and each heap frame a count of its blocks in use (a counter table indexed by frame
 * number). When a frame's count drops to zero its blocks leave the free list and the
 * frame goes back to the frame allocator, so memory that objects no longer use can be
 * charged to a quota again (docs/kernel-abi.md, "Memory accounting").
 *
 * Callers pass the size back to kfree. The bytes charged to a quota for an object are
 * kmalloc_class(size), what it really takes.
 */
#include "kernel.h"

#define MIN_SHIFT 5
#define NCLASSES 8                            /* 32 .. 4096 */
#define MAX_FRAMES ((16ul << 30) / PAGE_SIZE) /* the direct map's limit (paging.c) */
#define COUNTS_PER_PAGE (PAGE_SIZE / sizeof(uint16_t))

struct free_block {
    struct free_block *next, *prev;
};

static struct free_block *free_lists[NCLASSES];
static uint16_t *inuse_dir[MAX_FRAMES / COUNTS_PER_PAGE]; /* frames in use: pages of counts */

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

/* The in-use count of the heap frame at pa (its counter page made on first use). */
static uint16_t *inuse_of(uint64_t pa, bool make)
{
    uint64_t fn = pa / PAGE_SIZE;
    KASSERT(fn < MAX_FRAMES);
    uint16_t **page = &inuse_dir[fn / COUNTS_PER_PAGE];
    if (!*page) {
        if (!make)
            return NULL;
        uint64_t cp = pmem_alloc(); /* kept for good: 4 KiB per 8 MiB of RAM */
        if (!cp)
            return NULL;
        *page = phys_to_virt(cp);
    }
    return &(*page)[fn % COUNTS_PER_PAGE];
}

static void list_push(int c, struct free_block *b)
{
    b->prev = NULL;
    b->next = free_lists[c];
    if (b->next)
        b->next->prev = b;
    free_lists[c] = b;
}

static void list_remove(int c, struct free_block *b)
{
    if (b->prev)
        b->prev->next = b->next;
    else
        free_lists[c] = b->next;
    if (b->next)
        b->next->prev = b->prev;
}

void *kmalloc(size_t size)
{
    KASSERT(size > 0 && size <= PAGE_SIZE);
    int c = class_of(size);
    size_t bs = (size_t)1 << (c + MIN_SHIFT);
    if (bs == PAGE_SIZE) {
        uint64_t pa = pmem_alloc(); /* zeroed */
        return pa ? phys_to_virt(pa) : NULL;
    }
    if (!free_lists[c]) {
        uint64_t pa = pmem_alloc();
        if (!pa)
            return NULL;
        if (!inuse_of(pa, true)) {
            pmem_free(pa);
            return NULL;
        }
        char *page = phys_to_virt(pa);
        for (size_t off = PAGE_SIZE; off >= bs; off -= bs)
            list_push(c, (struct free_block *)(page + off - bs));
    }
    struct free_block *b = free_lists[c];
    list_remove(c, b);
    (*inuse_of(virt_to_phys(b), false))++;
    memset(b, 0, bs);
    return b;
}

void kfree(void *p, size_t size)
{
    if (!p)
        return;
    KASSERT(size > 0 && size <= PAGE_SIZE);
    int c = class_of(size);
    size_t bs = (size_t)1 << (c + MIN_SHIFT);
    uint64_t pa = virt_to_phys(p) & PAGE_MASK;
    if (bs == PAGE_SIZE) {
        pmem_free(pa);
        return;
    }
    uint16_t *count = inuse_of(pa, false);
    KASSERT(count && *count > 0);
    list_push(c, p);
    if (--*count)
        return;
    /* the frame holds no block in use: take its blocks off the list, give it back */
    char *page = phys_to_virt(pa);
    for (size_t off = 0; off < PAGE_SIZE; off += bs)
        list_remove(c, (struct free_block *)(page + off));
    pmem_free(pa);
}

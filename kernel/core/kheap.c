/*
 * Kernel heap: power-of-two size classes from 32 bytes to one page, with heap pages
 * owned by quotas. A page-sized block is a frame of its own. Smaller blocks are carved
 * from frames that belong to one quota (struct quota.heap: a doubly linked free list
 * per class), and the whole frame is charged to that quota while it holds any block. A
 * counter per frame (a table indexed by frame number) says how many of its blocks are
 * in use; when it drops to zero the frame's blocks leave the free list, the frame goes
 * back to the frame allocator and its charge back to the quota. A new frame's blocks are
 * handed out from its start as they are needed (struct quota.carve), not all put on the
 * list at once: a process's quota uses a few blocks of most classes, and its frames come
 * and go with each fork. Small blocks' frames are not zeroed (each block is, when taken).
 *
 * So a quota pays for every frame its kernel objects occupy, fragmentation included:
 * freeing all objects but one per frame frees no quota (docs/kernel-abi.md, "Memory
 * accounting"). Allocations without a quota (the root quota itself) use the kernel's
 * own lists and are charged to nobody. Callers pass the quota and size back to kfree.
 */
#include "kernel.h"

#define MIN_SHIFT 5

struct free_block {
    struct free_block *next, *prev;
};

static void *kernel_lists[KHEAP_SLAB_CLASSES], *kernel_carve[KHEAP_SLAB_CLASSES];
uint16_t *kheap_counts[KHEAP_MAX_FRAMES / KHEAP_COUNTS_PER_PAGE]; /* pages of counts per frame */

static int class_of(size_t size)
{
    int c = 0;
    while (((size_t)1 << (c + MIN_SHIFT)) < size)
        c++;
    return c;
}

static struct free_block **lists_of(struct quota *q)
{
    return (struct free_block **)(q ? q->heap : kernel_lists);
}

static char **carve_of(struct quota *q, int c)
{
    return (char **)(q ? &q->carve[c] : &kernel_carve[c]);
}

/* Makes the counter pages for every frame below max_phys (4 KiB per 8 MiB of RAM), at
 * boot: later allocations never take frames for good. */
void kheap_init(uint64_t max_phys)
{
    uint64_t frames = max_phys / PAGE_SIZE;
    if (frames > KHEAP_MAX_FRAMES)
        frames = KHEAP_MAX_FRAMES;
    for (uint64_t i = 0; i < (frames + KHEAP_COUNTS_PER_PAGE - 1) / KHEAP_COUNTS_PER_PAGE; i++) {
        uint64_t cp = pmem_alloc();
        if (!cp)
            panic("boot: no memory for the kernel heap's frame counters");
        kheap_counts[i] = phys_to_virt(cp);
    }
}

/* The in-use count of the heap frame at pa. */
static uint16_t *inuse_of(uint64_t pa)
{
    uint64_t fn = pa / PAGE_SIZE;
    KASSERT(fn < KHEAP_MAX_FRAMES && kheap_counts[fn / KHEAP_COUNTS_PER_PAGE]);
    return &kheap_counts[fn / KHEAP_COUNTS_PER_PAGE][fn % KHEAP_COUNTS_PER_PAGE];
}

static void list_push(struct free_block **list, struct free_block *b)
{
    b->prev = NULL;
    b->next = *list;
    if (b->next)
        b->next->prev = b;
    *list = b;
}

static void list_remove(struct free_block **list, struct free_block *b)
{
    if (b->prev)
        b->prev->next = b->next;
    else
        *list = b->next;
    if (b->next)
        b->next->prev = b->prev;
}

/* A frame charged to q (zeroed if zero), or 0 with *err set. */
static uint64_t heap_frame(struct quota *q, bool zero, int *err)
{
    *err = quota_charge(q, PAGE_SIZE);
    if (*err)
        return 0;
    uint64_t pa = zero ? pmem_alloc() : pmem_alloc_head(0);
    if (!pa) {
        quota_uncharge(q, PAGE_SIZE);
        *err = CX_E_NO_MEMORY;
    }
    return pa;
}

void *kmalloc(struct quota *q, size_t size, int *err)
{
    KASSERT(size > 0 && size <= PAGE_SIZE);
    int c = class_of(size);
    size_t bs = (size_t)1 << (c + MIN_SHIFT);
    *err = 0;
    if (bs == PAGE_SIZE) {
        uint64_t pa = heap_frame(q, true, err);
        return pa ? phys_to_virt(pa) : NULL;
    }
    struct free_block **list = &lists_of(q)[c];
    char **carve = carve_of(q, c);
    void *b = *list;
    if (b) {
        list_remove(list, b);
    } else {
        if (!*carve) {
            uint64_t pa = heap_frame(q, false, err);
            if (!pa)
                return NULL;
            *carve = phys_to_virt(pa);
        }
        b = *carve;
        *carve += bs;
        if (!((uint64_t)*carve & (PAGE_SIZE - 1)))
            *carve = NULL; /* the page is all handed out */
    }
    (*inuse_of(virt_to_phys(b)))++;
    memset(b, 0, bs);
    return b;
}

void kfree(struct quota *q, void *p, size_t size)
{
    if (!p)
        return;
    KASSERT(size > 0 && size <= PAGE_SIZE);
    int c = class_of(size);
    size_t bs = (size_t)1 << (c + MIN_SHIFT);
    uint64_t pa = virt_to_phys(p) & PAGE_MASK;
    if (bs == PAGE_SIZE) {
        pmem_free(pa);
        quota_uncharge(q, PAGE_SIZE);
        return;
    }
    uint16_t *count = inuse_of(pa);
    KASSERT(*count > 0);
    struct free_block **list = &lists_of(q)[c];
    list_push(list, p);
    if (--*count)
        return;
    /* the frame holds no block in use: take its blocks handed out so far off the list
     * (all of them, or those below the carving point), give it back */
    char *page = phys_to_virt(pa), *end = page + PAGE_SIZE;
    char **carve = carve_of(q, c);
    if (*carve && *carve > page && *carve < end) {
        end = *carve;
        *carve = NULL;
    }
    for (char *b = page; b < end; b += bs)
        list_remove(list, (struct free_block *)b);
    pmem_free(pa);
    quota_uncharge(q, PAGE_SIZE);
}

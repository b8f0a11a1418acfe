/*
 * Physical frames. Free RAM starts as a list of ranges that are handed out from the
 * bottom without being touched (touching every frame at boot costs seconds under a
 * shadow-paging hypervisor); freed frames go on a list linked through the direct map.
 *
 * Page tables come from their own 2 MiB chunks: a shadow-paging hypervisor (such as
 * the nested PVM on the development machines) write-protects the whole large page
 * around a guest page table, so a page table must not share a 2 MiB page with data.
 * Every frame handed out is zeroed.
 */
#include "kernel.h"

#define MAX_RANGES 64
#define CHUNK (2ul << 20)

struct range {
    uint64_t start, end;
};
struct pool {
    struct range ranges[MAX_RANGES];
    unsigned nranges;
    uint64_t free_head, free_count;
};
static struct pool ram, pt;

static void zero_frame(uint64_t pa)
{
    void *d = phys_to_virt(pa);
    uint64_t n = PAGE_SIZE / 8;
    __asm__ volatile("rep stosq" : "+D"(d), "+c"(n) : "a"(0ul) : "memory");
}

static void pool_add(struct pool *p, uint64_t start, uint64_t end)
{
    start = ALIGN_UP(start, PAGE_SIZE);
    end &= PAGE_MASK;
    if (start >= end)
        return;
    if (p->nranges == MAX_RANGES) {
        kprintf("[kernel] too many memory ranges: %#lx-%#lx not used\n", start, end);
        return;
    }
    p->ranges[p->nranges].start = start;
    p->ranges[p->nranges].end = end;
    p->nranges++;
}

static uint64_t pool_take(struct pool *p)
{
    uint64_t pa = p->free_head;
    if (pa) {
        p->free_head = *(uint64_t *)phys_to_virt(pa);
        p->free_count--;
        return pa;
    }
    for (unsigned i = 0; i < p->nranges; i++) {
        struct range *r = &p->ranges[i];
        if (r->start < r->end) {
            pa = r->start;
            r->start += PAGE_SIZE;
            return pa;
        }
    }
    return 0;
}

static void pool_give(struct pool *p, uint64_t pa)
{
    KASSERT(pa && !(pa & (PAGE_SIZE - 1)));
    *(uint64_t *)phys_to_virt(pa) = p->free_head;
    p->free_head = pa;
    p->free_count++;
}

void pmem_add_range(uint64_t start, uint64_t end)
{
    pool_add(&ram, start, end);
}

void pmem_add_pt_range(uint64_t start, uint64_t end)
{
    pool_add(&pt, start, end);
}

uint64_t pmem_alloc(void)
{
    uint64_t pa = pool_take(&ram);
    if (pa)
        zero_frame(pa);
    return pa;
}

void pmem_free(uint64_t pa)
{
    pool_give(&ram, pa);
}

/* Moves a 2 MiB-aligned chunk of RAM to the page-table pool. */
static bool pt_grow(void)
{
    for (unsigned i = 0; i < ram.nranges; i++) {
        struct range *r = &ram.ranges[i];
        uint64_t c = ALIGN_UP(r->start, CHUNK);
        if (c + CHUNK > r->end)
            continue;
        if (c > r->start) /* keep the part below the chunk as RAM */
            pool_add(&ram, r->start, c);
        r->start = c + CHUNK;
        pool_add(&pt, c, c + CHUNK);
        return true;
    }
    return false;
}

uint64_t pmem_alloc_pt(void)
{
    uint64_t pa = pool_take(&pt);
    if (!pa && pt_grow())
        pa = pool_take(&pt);
    if (pa)
        zero_frame(pa);
    return pa;
}

void pmem_free_pt(uint64_t pa)
{
    pool_give(&pt, pa);
}

uint64_t pmem_free_count(void)
{
    uint64_t n = ram.free_count;
    for (unsigned i = 0; i < ram.nranges; i++)
        n += (ram.ranges[i].end - ram.ranges[i].start) / PAGE_SIZE;
    return n;
}

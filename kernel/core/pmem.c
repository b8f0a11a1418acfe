/*
 * Physical frames. Free RAM starts as a list of ranges that are handed out from the
 * bottom without being touched (touching every frame at boot costs seconds under a
 * shadow-paging hypervisor); freed frames go on a list linked through the direct map.
 *
 * Page tables come from their own 2 MiB chunks: a shadow-paging hypervisor (such as
 * the nested PVM on the development machines) write-protects the whole large page
 * around a guest page table, so a page table must not share a 2 MiB page with data.
 * A chunk no page table uses goes back to RAM (see pt_grow), and when RAM has no free
 * frame left, pmem_alloc lends the free frames of chunks in use: so a frame is either
 * free for every allocation or in use by what was charged for it, and a chunk kept by
 * one page table never keeps its other 511 frames from anyone (docs/kernel-abi.md,
 * "Memory accounting"). Every frame handed out is zeroed, or (pmem_alloc_copy) filled
 * with a copy of another.
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
static uint64_t pt_static_lo, pt_static_hi; /* the kernel image's page-table area */

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
    pt_static_lo = start;
    pt_static_hi = end;
}

static uint64_t ram_take(void);

uint64_t pmem_alloc(void)
{
    uint64_t pa = ram_take();
    if (pa)
        zero_frame(pa);
    return pa;
}

/* A frame of which only the first `bytes` (at most a page, a multiple of 8) are zeroed:
 * for the kernel's own tables whose users never read past them (a memory object's
 * directory page, read only below the object's page count). The rest holds what the
 * frame's last user left, and never reaches user space. */
uint64_t pmem_alloc_head(uint64_t bytes)
{
    uint64_t pa = ram_take();
    if (pa) {
        void *d = phys_to_virt(pa);
        uint64_t n = (bytes < PAGE_SIZE ? bytes : PAGE_SIZE) / 8;
        __asm__ volatile("rep stosq" : "+D"(d), "+c"(n) : "a"(0ul) : "memory");
    }
    return pa;
}

/* A frame holding a copy of frame src (not zeroed first: every byte is written). */
uint64_t pmem_alloc_copy(uint64_t src)
{
    uint64_t pa = ram_take();
    if (pa)
        memcpy(phys_to_virt(pa), phys_to_virt(src), PAGE_SIZE);
    return pa;
}

/* pages contiguous frames from the bottom of a free range (the free list's frames are
 * scattered), zeroed; 0 when no range has that many left. */
uint64_t pmem_alloc_contig(uint64_t pages)
{
    for (unsigned i = 0; i < ram.nranges; i++) {
        struct range *r = &ram.ranges[i];
        if (r->start >= r->end || (r->end - r->start) / PAGE_SIZE < pages)
            continue;
        uint64_t pa = r->start;
        r->start += pages * PAGE_SIZE;
        for (uint64_t j = 0; j < pages; j++)
            zero_frame(pa + j * PAGE_SIZE);
        return pa;
    }
    return 0;
}

static void frame_give(uint64_t pa);

void pmem_free(uint64_t pa)
{
    frame_give(pa);
}

/*
 * Page-table chunks grown from RAM are tracked one by one: each has its own free list
 * and a count of frames in use, and goes back to RAM (as a range again, so that it can
 * be grown again) when none is in use. When no 2 MiB chunk can be had, a page table
 * takes a plain RAM frame (slower under a shadow-paging hypervisor, correct anywhere).
 * When RAM is dry, other frames come from the chunks' free frames (ram_take): a data
 * frame next to page tables is slow under such a hypervisor, and still correct. A
 * frame freed in a chunk goes back to that chunk, whatever it held. So the frames of
 * chunks that are not in use are free frames like RAM's, and pmem_free_count counts them.
 */
#define MAX_PT_CHUNKS 256
#define MAX_CHUNK_INDEX ((16ul << 30) / CHUNK) /* the direct map's limit (paging.c) */
struct pt_chunk {
    uint64_t base; /* 0: slot unused */
    uint64_t free_head;
    uint32_t used, fresh; /* frames in use; frames [fresh, 512) never handed out */
};
static struct pt_chunk chunks[MAX_PT_CHUNKS];
static uint16_t chunk_index[MAX_CHUNK_INDEX]; /* by pa / CHUNK: 1 + slot in chunks, 0 none */
static uint64_t chunk_spare;                  /* frames of chunks in use not in use */

static struct pt_chunk *chunk_of(uint64_t pa)
{
    uint64_t i = pa / CHUNK;
    if (i >= MAX_CHUNK_INDEX || !chunk_index[i])
        return NULL;
    return &chunks[chunk_index[i] - 1];
}

/* Gives a range back to a pool: into an unused range slot, else frame by frame. */
static void pool_return_range(struct pool *p, uint64_t start, uint64_t end)
{
    for (unsigned i = 0; i < p->nranges; i++) {
        struct range *r = &p->ranges[i];
        if (r->start >= r->end) {
            r->start = start;
            r->end = end;
            return;
        }
    }
    if (p->nranges < MAX_RANGES) {
        pool_add(p, start, end);
        return;
    }
    for (uint64_t pa = start; pa < end; pa += PAGE_SIZE)
        pool_give(p, pa);
}

/* Takes a 2 MiB-aligned chunk of RAM for page tables. */
static struct pt_chunk *pt_grow(void)
{
    struct pt_chunk *slot = NULL;
    for (unsigned i = 0; i < MAX_PT_CHUNKS && !slot; i++)
        if (!chunks[i].base)
            slot = &chunks[i];
    if (!slot)
        return NULL;
    for (unsigned i = 0; i < ram.nranges; i++) {
        struct range *r = &ram.ranges[i];
        uint64_t c = ALIGN_UP(r->start, CHUNK);
        if (c < r->start || c + CHUNK > r->end || c / CHUNK >= MAX_CHUNK_INDEX)
            continue;
        uint64_t below = r->start;
        r->start = c + CHUNK;
        if (c > below) /* keep the part below the chunk as RAM */
            pool_return_range(&ram, below, c);
        slot->base = c;
        slot->free_head = 0;
        slot->used = slot->fresh = 0;
        chunk_index[c / CHUNK] = (uint16_t)(slot - chunks + 1);
        chunk_spare += CHUNK / PAGE_SIZE;
        return slot;
    }
    return NULL;
}

static uint64_t chunk_take(struct pt_chunk *ch)
{
    uint64_t pa = ch->free_head;
    if (pa)
        ch->free_head = *(uint64_t *)phys_to_virt(pa);
    else if (ch->fresh < CHUNK / PAGE_SIZE)
        pa = ch->base + (uint64_t)ch->fresh++ * PAGE_SIZE;
    if (pa) {
        ch->used++;
        chunk_spare--;
    }
    return pa;
}

/* A frame of RAM; when none is left, a free frame of a page-table chunk. */
static uint64_t ram_take(void)
{
    uint64_t pa = pool_take(&ram);
    for (unsigned i = 0; i < MAX_PT_CHUNKS && !pa && chunk_spare; i++)
        if (chunks[i].base)
            pa = chunk_take(&chunks[i]);
    return pa;
}

uint64_t pmem_alloc_pt(void)
{
    uint64_t pa = pool_take(&pt);
    for (unsigned i = 0; i < MAX_PT_CHUNKS && !pa; i++)
        if (chunks[i].base)
            pa = chunk_take(&chunks[i]);
    if (!pa) {
        struct pt_chunk *ch = pt_grow();
        if (ch)
            pa = chunk_take(ch);
    }
    if (!pa)
        pa = pool_take(&ram); /* no chunk to be had: a plain frame */
    if (pa)
        zero_frame(pa);
    return pa;
}

/* A frame goes back where it came from: the kernel image's page-table area, its chunk
 * (which goes back to RAM whole when none of its frames is in use), or RAM. */
static void frame_give(uint64_t pa)
{
    if (pa >= pt_static_lo && pa < pt_static_hi) {
        pool_give(&pt, pa);
        return;
    }
    struct pt_chunk *ch = chunk_of(pa);
    if (!ch) {
        pool_give(&ram, pa);
        return;
    }
    KASSERT(ch->used > 0);
    *(uint64_t *)phys_to_virt(pa) = ch->free_head;
    ch->free_head = pa;
    chunk_spare++;
    if (--ch->used)
        return;
    uint64_t base = ch->base;
    ch->base = 0;
    chunk_index[base / CHUNK] = 0;
    chunk_spare -= CHUNK / PAGE_SIZE;
    pool_return_range(&ram, base, base + CHUNK);
}

void pmem_free_pt(uint64_t pa)
{
    frame_give(pa);
}

/* Frames an allocation can have: RAM's and the unused ones of page-table chunks. */
uint64_t pmem_free_count(void)
{
    uint64_t n = ram.free_count + chunk_spare;
    for (unsigned i = 0; i < ram.nranges; i++)
        n += (ram.ranges[i].end - ram.ranges[i].start) / PAGE_SIZE;
    return n;
}

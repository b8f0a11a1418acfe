/*
 * Memory objects: a number of pages, each backed by a frame allocated on first touch
 * (zero-filled). The whole size is charged to the quota at creation, so a touch never
 * fails. Frames are found through a two-level directory of 512-entry pages.
 *
 * Copy-on-write: pd_copy_as makes a private copy by sharing frames (each frame's
 * counter, kheap.c, says how many further objects hold it); a shared frame is mapped
 * read-only everywhere, and the first write through any object copies it for that
 * object (mem_unshare). Each object was charged for all its pages when it was made, so
 * a copy-on-write fault always finds a frame: a quota still bounds the RAM it holds.
 */
#include "kernel.h"

#define DIR_ENTRIES 512
#define MEM_MAX_PAGES ((uint64_t)DIR_ENTRIES * (PAGE_SIZE / sizeof(uint64_t *)))

static uint64_t ndir(uint64_t pages)
{
    return (pages + DIR_ENTRIES - 1) / DIR_ENTRIES;
}

struct mem *mem_create_kernel(struct quota *q, uint64_t pages, int *err)
{
    if (pages == 0 || pages > MEM_MAX_PAGES) {
        *err = CX_E_INVALID_ARG;
        return NULL;
    }
    uint64_t nd = ndir(pages);
    uint64_t extra = pages * PAGE_SIZE + nd * PAGE_SIZE; /* the pages and directory pages */
    *err = quota_charge(q, extra);
    if (*err)
        return NULL;
    struct mem *m = kobj_alloc(q, CX_T_MEM, sizeof(*m), err);
    if (!m) {
        quota_uncharge(q, extra);
        return NULL;
    }
    m->obj.charge += extra; /* given back when the object is freed */
    m->pages = pages;
    m->dir = kmalloc(q, nd * sizeof(uint64_t *), err);
    if (!m->dir)
        goto fail;
    for (uint64_t i = 0; i < nd; i++) {
        /* entries past the object's pages are never read (mem_frame, mem_free,
         * mem_copy_pages stop at m->pages): only those below are zeroed */
        uint64_t in_dir = pages - i * DIR_ENTRIES;
        uint64_t pa = pmem_alloc_head((in_dir < DIR_ENTRIES ? in_dir : DIR_ENTRIES) * 8);
        if (!pa) {
            *err = CX_E_NO_MEMORY;
            goto fail;
        }
        m->dir[i] = phys_to_virt(pa);
    }
    return m;
fail:
    m->obj.dead = true;
    mem_free(m);
    m->dir = NULL;
    m->pages = 0;
    kobj_get(&m->obj);
    kobj_put(&m->obj); /* frees it and gives the charge back */
    return NULL;
}

/* A memory object over device registers [phys, phys + pages * 4096): only its
 * directory is charged (it uses no RAM); its frames are never freed. */
struct mem *mem_create_device(struct quota *q, uint64_t phys, uint64_t pages, int *err)
{
    struct mem *m = mem_create_kernel(q, pages, err);
    if (!m)
        return NULL;
    quota_uncharge(q, pages * PAGE_SIZE);
    m->obj.charge -= pages * PAGE_SIZE;
    m->device = true;
    m->pinned = true;
    for (uint64_t i = 0; i < pages; i++)
        mem_set_frame(m, i, phys + i * PAGE_SIZE);
    return m;
}

/* A memory object of physically contiguous RAM (for a device to read and write): all
 * frames allocated now; *phys is the first one's address. */
struct mem *mem_create_dma(struct quota *q, uint64_t pages, uint64_t *phys, int *err)
{
    struct mem *m = mem_create_kernel(q, pages, err);
    if (!m)
        return NULL;
    uint64_t pa = pmem_alloc_contig(pages);
    if (!pa) {
        *err = CX_E_NO_MEMORY;
        kobj_get(&m->obj);
        kobj_destroy(&m->obj);
        kobj_put(&m->obj);
        return NULL;
    }
    for (uint64_t i = 0; i < pages; i++)
        mem_set_frame(m, i, pa + i * PAGE_SIZE);
    m->pinned = true;
    *phys = pa;
    return m;
}

uint64_t mem_frame(struct mem *m, uint64_t page, bool alloc)
{
    if (page >= m->pages || m->obj.dead)
        return 0;
    uint64_t *e = &m->dir[page / DIR_ENTRIES][page % DIR_ENTRIES];
    if (!*e && alloc)
        *e = pmem_alloc();
    return *e;
}

bool mem_frame_shared(uint64_t pa)
{
    uint16_t *c = frame_counter(pa);
    return c && *c;
}

/* Makes frame pa page `page` of dst too (dst's page is empty): one more sharer. */
bool mem_share_frame(struct mem *dst, uint64_t page, uint64_t pa)
{
    uint16_t *c = frame_counter(pa);
    if (!c || *c == UINT16_MAX)
        return false;
    (*c)++;
    mem_set_frame(dst, page, pa);
    return true;
}

/* Fills dst's pages [0, pages) (empty) from src's [off, off + pages) (inside src):
 * each frame shared copy-on-write when cow and its counter allows, else copied now
 * (*same false then). Walks both directories a run at a time, skipping absent frames
 * without a call per page. Returns 0 or CX_E_NO_MEMORY (what was filled stays, and
 * goes with dst). */
int mem_copy_pages(struct mem *dst, uint64_t dst_off, struct mem *src, uint64_t off, uint64_t pages,
                   bool cow, bool *same, uint64_t *copied)
{
    *same = cow;
    if (src->obj.dead)
        return 0;
    for (uint64_t k = 0; k < pages;) {
        uint64_t sp = off + k, i = dst_off + k;
        uint64_t run = DIR_ENTRIES - sp % DIR_ENTRIES; /* to the end of src's directory */
        if (run > DIR_ENTRIES - i % DIR_ENTRIES)
            run = DIR_ENTRIES - i % DIR_ENTRIES; /* ... and of dst's */
        if (run > pages - k)
            run = pages - k;
        const uint64_t *from = &src->dir[sp / DIR_ENTRIES][sp % DIR_ENTRIES];
        uint64_t *to = &dst->dir[i / DIR_ENTRIES][i % DIR_ENTRIES];
        for (uint64_t j = 0; j < run; j++) {
            uint64_t f = from[j];
            if (!f) { /* the next seven too, when they are all untouched */
                if (!(j & 7) && j + 8 <= run &&
                    !(from[j + 1] | from[j + 2] | from[j + 3] | from[j + 4] | from[j + 5] |
                      from[j + 6] | from[j + 7]))
                    j += 7;
                continue;
            }
            uint16_t *c = cow ? frame_counter(f) : NULL;
            if (c && *c < UINT16_MAX) {
                (*c)++;
                to[j] = f;
                continue;
            }
            *same = false;
            uint64_t nf = pmem_alloc_copy(f);
            if (!nf) /* no frame left: fail, never copy into frame 0 */
                return CX_E_NO_MEMORY;
            (*copied)++;
            to[j] = nf;
        }
        k += run;
    }
    return 0;
}

/* Gives page `page` of m a frame of its own (a copy) if it shares one, and makes every
 * mapping of m fault the new frame in; returns the frame, 0 without memory. */
uint64_t mem_unshare(struct mem *m, uint64_t page)
{
    uint64_t f = mem_frame(m, page, true);
    uint16_t *c = f ? frame_counter(f) : NULL;
    if (!c || !*c)
        return f;
    uint64_t nf = pmem_alloc_copy(f);
    if (!nf)
        return 0;
    (*c)--;
    mem_set_frame(m, page, nf);
    for (struct region *r = m->mappings; r; r = r->mem_next) /* at most MEM_COW_MAPPINGS */
        if (page >= r->offset && page - r->offset < r->pages)
            pt_clear(r->pd->pml4, r->va + (page - r->offset) * PAGE_SIZE);
    return nf;
}

void mem_set_frame(struct mem *m, uint64_t page, uint64_t pa)
{
    m->dir[page / DIR_ENTRIES][page % DIR_ENTRIES] = pa;
}

bool mem_teardown(struct mem *m, uint64_t *budget)
{
    futex_mem_gone(m); /* its waiters wake with CX_E_DEAD (none are left at a second call) */
    /* Unmap everywhere (each region in O(its page tables)); the frames go when the
     * memory is freed. */
    while (m->mappings) {
        if (!*budget)
            return false;
        struct region *r = m->mappings;
        uint64_t cost = 1 + r->pages / 64; /* the page-table entries it clears */
        *budget = *budget > cost ? *budget - cost : 0;
        region_remove(r);
    }
    return true;
}

void mem_free(struct mem *m)
{
    uint64_t all = ~0ul;
    mem_free_some(m, &all);
}

/* Frees the frames of one directory page after another (m->free_dir keeps the place),
 * a unit of budget a page. */
bool mem_free_some(struct mem *m, uint64_t *budget)
{
    if (!m->dir)
        return true;
    uint64_t nd = ndir(m->pages);
    for (; m->free_dir < nd; m->free_dir++) {
        uint64_t i = m->free_dir;
        if (!*budget)
            return false;
        if (!m->dir[i]) {
            (*budget)--;
            continue;
        }
        uint64_t in_dir = m->pages - i * DIR_ENTRIES; /* the last directory: the rest */
        uint64_t cost = in_dir < DIR_ENTRIES ? in_dir : DIR_ENTRIES;
        *budget = *budget > cost ? *budget - cost : 0;
        const uint64_t *d = m->dir[i];
        for (uint64_t j = 0; j < cost && !m->device; j++) {
            uint64_t f = d[j];
            if (!f) { /* the next seven too, when they are all untouched (a copy's mostly are) */
                if (!(j & 7) && j + 8 <= cost &&
                    !(d[j + 1] | d[j + 2] | d[j + 3] | d[j + 4] | d[j + 5] | d[j + 6] | d[j + 7]))
                    j += 7;
                continue;
            }
            uint16_t *c = frame_counter(f);
            if (c && *c)
                (*c)--; /* another object still has it */
            else
                pmem_free(f);
        }
        pmem_free(virt_to_phys(m->dir[i]));
    }
    kfree(m->obj.quota, m->dir, nd * sizeof(uint64_t *));
    m->dir = NULL;
    return true;
}

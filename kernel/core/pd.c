/*
 * Protection domains: a capability space and an address space. The address space is
 * a sorted list of regions (mappings of memory objects); page-table entries are
 * filled on demand from the regions, so a page fault on a mapped page is resolved
 * here without bothering user space. Page tables are charged to the domain's quota
 * when a range is mapped. The kernel touches user memory only through uaccess_*,
 * which walk the tables in software: no kernel-mode fault on user addresses exists.
 *
 * Work bounds: a domain has at most PD_MAX_REGIONS regions; a walk of its list stops at
 * the end of the range it looks for, unlinking is O(1) (both lists are doubly linked),
 * and a mapping above every other one is appended at the tail, so pd_copy_as of n
 * regions and the teardown of a domain or of an object mapped n times are O(n).
 */
#include "kernel.h"
#include "arch/x86_64/cpu.h"

#define REGION_SIZE sizeof(struct region)

struct pd *pd_create_kernel(struct quota *q, uint32_t nslots, int *err)
{
    if (nslots == 0 || nslots > CSPACE_MAX_SLOTS) {
        *err = CX_E_INVALID_ARG;
        return NULL;
    }
    struct pd *pd = kobj_alloc(q, CX_T_PD, sizeof(*pd), err);
    if (!pd)
        return NULL;
    kobj_get(&pd->obj);
    *err = quota_charge(q, PAGE_SIZE);
    if (*err)
        goto fail;
    pd->pml4 = pt_new_root();
    if (!pd->pml4) {
        quota_uncharge(q, PAGE_SIZE);
        *err = CX_E_NO_MEMORY;
        goto fail;
    }
    pd->pt_pages = 1;
    *err = cspace_init(pd, nslots);
    if (*err)
        goto fail;
    pd->obj.refs--; /* the caller installs the original capability */
    return pd;
fail:
    kobj_destroy(&pd->obj);
    kobj_put(&pd->obj);
    return NULL;
}

void pd_teardown(struct pd *pd)
{
    for (struct thread *t = pd->threads; t; t = t->pd_next)
        thread_kill(t);
    cspace_teardown(pd);
    while (pd->regions)
        region_remove(pd->regions);
    if (pd->pml4) {
        uint64_t n = pt_free_user(pd->pml4);
        KASSERT(n == pd->pt_pages);
        quota_uncharge(pd->obj.quota, n * PAGE_SIZE);
        pd->pml4 = 0;
        pd->pt_pages = 0;
    }
}

static bool range_ok(uint64_t va, uint64_t pages)
{
    return !(va & (PAGE_SIZE - 1)) && pages && pages <= CX_USER_TOP / PAGE_SIZE &&
           range_within(va, pages * PAGE_SIZE, 0, CX_USER_TOP);
}

static uint64_t region_end(const struct region *r)
{
    return r->va + r->pages * PAGE_SIZE;
}

static struct region *region_find(struct pd *pd, uint64_t va)
{
    for (struct region *r = pd->regions; r && r->va <= va; r = r->next)
        if (va < region_end(r))
            return r;
    return NULL;
}

/* Whether each of the pages from va on has its frame (out[i] 1) or not yet (0), plus
 * CX_RESIDENT_NOACCESS for a page mapped without access: 0, or CX_E_MAPPING when one is
 * not mapped. One region walk per region crossed. */
int pd_resident(struct pd *pd, uint64_t va, uint64_t pages, uint8_t *out)
{
    struct region *r = NULL;
    for (uint64_t i = 0; i < pages; i++, va += PAGE_SIZE) {
        if (!r || va >= region_end(r))
            r = region_find(pd, va);
        if (!r)
            return CX_E_MAPPING;
        struct mem *m = r->mem;
        out[i] = m->device || mem_frame(m, r->offset + (va - r->va) / PAGE_SIZE, false) != 0;
        if (!(r->flags & CX_MAP_R))
            out[i] |= CX_RESIDENT_NOACCESS;
    }
    return 0;
}

/* The memory object and byte offset behind address va of pd: 0 or CX_E_MAPPING. */
int pd_resolve(struct pd *pd, uint64_t va, struct mem **m, uint64_t *byte_off)
{
    struct region *r = region_find(pd, va);
    if (!r)
        return CX_E_MAPPING;
    *m = r->mem;
    *byte_off = r->offset * PAGE_SIZE + (va - r->va);
    return 0;
}

/* Links n into pd's sorted list (after its left neighbour, found from the tail when n
 * lies above every region) and into its object's list of mappings. */
static void region_link(struct pd *pd, struct region *n)
{
    struct region *prev = pd->regions_tail;
    if (prev && prev->va > n->va) {
        prev = NULL;
        for (struct region *r = pd->regions; r && r->va < n->va; r = r->next)
            prev = r;
    }
    n->prev = prev;
    n->next = prev ? prev->next : pd->regions;
    if (n->next)
        n->next->prev = n;
    else
        pd->regions_tail = n;
    if (prev)
        prev->next = n;
    else
        pd->regions = n;
    pd->nregions++;
    n->mem->nmappings++;
    n->mem_prev = NULL;
    n->mem_next = n->mem->mappings;
    if (n->mem_next)
        n->mem_next->mem_prev = n;
    n->mem->mappings = n;
}

static void region_unlink(struct region *r)
{
    struct pd *pd = r->pd;
    if (r->prev)
        r->prev->next = r->next;
    else
        pd->regions = r->next;
    if (r->next)
        r->next->prev = r->prev;
    else
        pd->regions_tail = r->prev;
    pd->nregions--;
    r->mem->nmappings--;
    if (r->mem_prev)
        r->mem_prev->mem_next = r->mem_next;
    else
        r->mem->mappings = r->mem_next;
    if (r->mem_next)
        r->mem_next->mem_prev = r->mem_prev;
    r->next = r->prev = r->mem_next = r->mem_prev = NULL;
}

/* The flags a page of r is mapped with: a frame other objects share (copy-on-write) is
 * read-only until written. */
static uint8_t page_flags(const struct region *r, uint64_t f)
{
    return mem_frame_shared(f) ? r->flags & (uint8_t)~CX_MAP_W : r->flags;
}

static uint64_t region_frame(void *arg, uint64_t i)
{
    const struct region *r = arg;
    return mem_frame(r->mem, r->offset + i, false);
}

static uint8_t region_page_flags(void *arg, uint64_t f)
{
    return page_flags(arg, f);
}

/* Sets r's page-table entries from its object's frames (one walk per table); a region
 * without access has none, so that every touch faults. */
static void install_present(struct region *r)
{
    if (r->flags & CX_MAP_R)
        pt_set_range(r->pd->pml4, r->va, r->pages, region_frame, r, region_page_flags);
    else
        pt_clear_range(r->pd->pml4, r->va, r->pages);
}

/* The access a request's flags give: none (a reservation that faults on every touch,
 * Linux's PROT_NONE), or readable plus what they add (x86 has no entry that is present
 * but not readable, so write or execute alone imply read). */
static uint8_t access_flags(uint8_t flags)
{
    uint8_t a = flags & (CX_MAP_R | CX_MAP_W | CX_MAP_X);
    return a ? a | CX_MAP_R : 0;
}

/* pd_map, installing the present frames' entries now or (install false) leaving them to
 * the caller or to the first touch. */
static int map_region(struct pd *pd, struct mem *m, uint64_t off, uint64_t va, uint64_t pages,
                      uint8_t flags, uint8_t maxflags, bool install);

int pd_map(struct pd *pd, struct mem *m, uint64_t off, uint64_t va, uint64_t pages, uint8_t flags,
           uint8_t maxflags)
{
    return map_region(pd, m, off, va, pages, flags, maxflags, true);
}

static int map_region(struct pd *pd, struct mem *m, uint64_t off, uint64_t va, uint64_t pages,
                      uint8_t flags, uint8_t maxflags, bool install)
{
    if (!range_ok(va, pages) || !range_within(off, pages, 0, m->pages))
        return CX_E_INVALID_ARG;
    if ((flags & (CX_MAP_R | CX_MAP_W | CX_MAP_X)) & ~maxflags)
        return CX_E_NO_RIGHTS;
    if ((flags & CX_MAP_SHARE) && (flags & CX_MAP_DROP))
        return CX_E_INVALID_ARG;
    if (pd->nregions >= PD_MAX_REGIONS)
        return CX_E_NO_QUOTA;
    struct region *tail = pd->regions_tail;
    if (!tail || region_end(tail) > va) /* not above every region: look for overlaps */
        for (struct region *r = pd->regions; r && r->va < va + pages * PAGE_SIZE; r = r->next)
            if (va < region_end(r))
                return CX_E_MAPPING;
    for (uint64_t a = va & ~((1ul << 21) - 1); a < va + pages * PAGE_SIZE; a += 1ul << 21) {
        int err = pt_ensure(pd->pml4, a < va ? va : a, pd->obj.quota, &pd->pt_pages);
        if (err)
            return err;
    }
    int err;
    struct region *r = kmalloc(pd->obj.quota, REGION_SIZE, &err);
    if (!r)
        return err;
    r->va = va;
    r->pages = pages;
    r->offset = off;
    r->flags = (flags & (uint8_t) ~(CX_MAP_R | CX_MAP_W | CX_MAP_X)) | access_flags(flags) |
               (m->device ? MAP_DEVICE : 0);
    r->maxflags = maxflags;
    r->mem = m;
    r->pd = pd;
    kobj_get(&m->obj);
    region_link(pd, r);
    if (install)
        install_present(r);
    return 0;
}

/* Split the region containing va (if any) so that a region starts at va. */
static int region_split(struct pd *pd, uint64_t va)
{
    if (pd->nregions >= PD_MAX_REGIONS)
        return CX_E_NO_QUOTA;
    struct region *r = region_find(pd, va);
    if (!r || r->va == va)
        return 0;
    int err;
    struct region *n = kmalloc(pd->obj.quota, REGION_SIZE, &err);
    if (!n)
        return err;
    uint64_t head = (va - r->va) / PAGE_SIZE;
    *n = *r;
    n->va = va;
    n->pages = r->pages - head;
    n->offset = r->offset + head;
    r->pages = head;
    kobj_get(&n->mem->obj);
    region_link(pd, n);
    return 0;
}

void region_remove(struct region *r)
{
    struct pd *pd = r->pd;
    pt_clear_range(pd->pml4, r->va, r->pages);
    region_unlink(r);
    struct mem *m = r->mem;
    kfree(pd->obj.quota, r, REGION_SIZE);
    kobj_put(&m->obj);
}

int pd_unmap(struct pd *pd, uint64_t va, uint64_t pages)
{
    if (!range_ok(va, pages))
        return CX_E_INVALID_ARG;
    uint64_t end = va + pages * PAGE_SIZE;
    int err = region_split(pd, va);
    if (!err)
        err = region_split(pd, end);
    if (err)
        return err;
    struct region *r = pd->regions;
    while (r && r->va < end) {
        struct region *next = r->next;
        if (r->va >= va && region_end(r) <= end)
            region_remove(r);
        r = next;
    }
    return 0;
}

int pd_protect(struct pd *pd, uint64_t va, uint64_t pages, uint8_t flags)
{
    if (!range_ok(va, pages))
        return CX_E_INVALID_ARG;
    uint64_t end = va + pages * PAGE_SIZE;
    /* the whole range must be mapped, with rights for the new flags */
    for (uint64_t a = va; a < end;) {
        struct region *r = region_find(pd, a);
        if (!r)
            return CX_E_MAPPING;
        if ((flags & (CX_MAP_W | CX_MAP_X)) & ~r->maxflags)
            return CX_E_NO_RIGHTS;
        a = region_end(r);
    }
    int err = region_split(pd, va);
    if (!err)
        err = region_split(pd, end);
    if (err)
        return err;
    for (struct region *r = pd->regions; r && r->va < end; r = r->next) {
        if (r->va >= va && region_end(r) <= end) {
            r->flags =
                (r->flags & (uint8_t) ~(CX_MAP_R | CX_MAP_W | CX_MAP_X)) | access_flags(flags);
            install_present(r);
        }
    }
    return 0;
}

/* Resolve a fault at addr with x86 error code bits (1 present, 2 write, 16 fetch):
 * 0, CX_E_MAPPING where nothing is mapped, CX_E_NO_RIGHTS where the mapping does not
 * allow the access (a region without access refuses every one). */
int pd_handle_fault(struct pd *pd, uint64_t addr, uint64_t error)
{
    struct region *r = region_find(pd, addr);
    if (!r)
        return CX_E_MAPPING;
    if (!(r->flags & CX_MAP_R))
        return CX_E_NO_RIGHTS;
    if ((error & CX_PF_WRITE) && !(r->flags & CX_MAP_W))
        return CX_E_NO_RIGHTS;
    if ((error & CX_PF_FETCH) && !(r->flags & CX_MAP_X))
        return CX_E_NO_RIGHTS;
    uint64_t page = (addr - r->va) / PAGE_SIZE;
    uint64_t f = (error & CX_PF_WRITE) ? mem_unshare(r->mem, r->offset + page)
                                       : mem_frame(r->mem, r->offset + page, true);
    if (!f)
        return CX_E_NO_MEMORY;
    pt_set(pd->pml4, r->va + page * PAGE_SIZE, f, page_flags(r, f));
    return 0;
}

/* Makes the pages of r's object that r maps read-only in every mapping of the object
 * (their frames are shared now; an entry that stays a frame of its own only takes one
 * more fault, which finds it unshared). */
static void protect_shared(const struct region *r)
{
    for (struct region *q = r->mem->mappings; q; q = q->mem_next) {
        uint64_t lo = q->offset > r->offset ? q->offset : r->offset;
        uint64_t hi = q->offset + q->pages < r->offset + r->pages ? q->offset + q->pages
                                                                  : r->offset + r->pages;
        if (lo < hi)
            pt_protect_range(q->pd->pml4, q->va + (lo - q->offset) * PAGE_SIZE, hi - lo);
    }
}

/* Fills m (fresh, r->pages pages) with r's pages: shared copy-on-write when r's object
 * has few mappings (each write fault then walks them all), else copied now. *same: every
 * frame of m is r's (so r's page-table entries, read-only, are right for m too). */
static int copy_pages(const struct region *r, struct mem *m, bool *same)
{
    bool cow = r->mem->nmappings <= MEM_COW_MAPPINGS && !r->mem->pinned;
    int err = mem_copy_pages(m, r->mem, r->offset, r->pages, cow, same);
    if (err)
        return err;
    if (cow)
        protect_shared(r);
    return 0;
}

/* The copy's page-table entries are made from the source's present ones (one walk per
 * table, as Linux copies page tables), not from every page of every object: a page the
 * source had not touched faults in later from the region. */
int pd_copy_as(struct pd *src, struct pd *dst, uint64_t lo, uint64_t hi)
{
    if (dst->regions)
        return CX_E_BUSY; /* the copy starts from an empty address space */
    for (struct region *r = src->regions; r; r = r->next) {
        int err;
        if ((r->flags & CX_MAP_DROP) || r->va < lo || r->va >= hi)
            continue;
        if ((r->flags & CX_MAP_SHARE) || r->mem->device) { /* registers are never copied */
            err = map_region(dst, r->mem, r->offset, r->va, r->pages, r->flags, r->maxflags, false);
            if (err)
                return err;
            if (r->mem->device) /* else shared memory faults in where the copy touches it */
                pt_copy_range(src->pml4, dst->pml4, r->va, r->pages, false);
            continue;
        }
        struct mem *m = mem_create_kernel(dst->obj.quota, r->pages, &err);
        if (!m)
            return err;
        bool same;
        if ((err = copy_pages(r, m, &same)) != 0) {
            kobj_get(&m->obj);
            kobj_destroy(&m->obj); /* gives back what it shared */
            kobj_put(&m->obj);
            return err;
        }
        kobj_get(&m->obj);
        err = map_region(dst, m, 0, r->va, r->pages, r->flags, r->maxflags, !same);
        kobj_put(&m->obj); /* the mapping holds it now, or it goes */
        if (err)
            return err;
        if (same)
            pt_copy_range(src->pml4, dst->pml4, r->va, r->pages, true);
    }
    return 0;
}

void pd_stop(struct pd *pd, bool stop)
{
    pd->stopped = stop;
    for (struct thread *t = pd->threads; t; t = t->pd_next) {
        if (stop && t->state == TS_READY) {
            sched_dequeue(t);
            t->state = TS_INACTIVE;
            t->parked = true;
        } else if (!stop && t->parked) {
            t->parked = false;
            thread_set_ready(t);
        }
    }
}

int uaccess_phys(struct pd *pd, uint64_t uaddr, bool write, uint64_t *pa)
{
    if (uaddr >= CX_USER_TOP)
        return CX_E_BAD_ADDRESS;
    uint64_t flags;
    uint64_t f = pt_lookup(pd->pml4, uaddr & PAGE_MASK, &flags);
    if (!f || (write && !(flags & CX_MAP_W))) {
        if (pd_handle_fault(pd, uaddr, write ? 2 : 0))
            return CX_E_BAD_ADDRESS;
        f = pt_lookup(pd->pml4, uaddr & PAGE_MASK, &flags);
        if (!f)
            return CX_E_BAD_ADDRESS;
    }
    if (flags & MAP_DEVICE) /* device registers: the kernel reads and writes no such page */
        return CX_E_BAD_ADDRESS;
    *pa = f + (uaddr & (PAGE_SIZE - 1));
    return 0;
}

static int uaccess(struct pd *pd, uint64_t uaddr, void *kbuf, size_t len, bool write)
{
    if (!range_within(uaddr, len, 0, CX_USER_TOP))
        return CX_E_BAD_ADDRESS;
    char *k = kbuf;
    while (len) {
        uint64_t pa;
        int err = uaccess_phys(pd, uaddr, write, &pa);
        if (err)
            return err;
        size_t chunk = PAGE_SIZE - (uaddr & (PAGE_SIZE - 1));
        if (chunk > len)
            chunk = len;
        if (write)
            memcpy(phys_to_virt(pa), k, chunk);
        else
            memcpy(k, phys_to_virt(pa), chunk);
        k += chunk;
        uaddr += chunk;
        len -= chunk;
    }
    return 0;
}

int uaccess_copy_in(struct pd *pd, void *dst, uint64_t uaddr, size_t len)
{
    return uaccess(pd, uaddr, dst, len, false);
}

int uaccess_copy_out(struct pd *pd, uint64_t uaddr, const void *src, size_t len)
{
    return uaccess(pd, uaddr, (void *)src, len, true);
}

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
 * regions and the teardown of a domain or of an object mapped n times are O(n). Both
 * are done in bounded steps: pd_copy_as restarts (struct pd_copy keeps its place),
 * pd_teardown goes on where it stopped (object.c's work list).
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

/* Steps: its threads stop (all at once: each is an object its quota paid for), its
 * capability space is emptied slot by slot, its mappings go one by one, then its page
 * tables. Each step keeps its place across calls (pd->td_step, pd->td_slot). */
bool pd_teardown(struct pd *pd, uint64_t *budget)
{
    if (pd->td_step == 0) {
        pd_copy_abandon(pd);
        for (struct thread *t = pd->threads; t; t = t->pd_next) {
            thread_kill(t);
            if (*budget)
                (*budget)--;
        }
        pd->td_step = 1;
    }
    if (pd->td_step == 1) {
        if (!cspace_teardown(pd, budget))
            return false;
        pd->td_step = 2;
    }
    while (pd->regions) { /* no entry is cleared: the tables go whole below, and no
                           * thread runs in this address space any more */
        if (!*budget)
            return false;
        region_drop(pd->regions);
        (*budget)--;
    }
    if (pd->pml4) {
        uint64_t n = pt_free_user(pd->pml4); /* the tables made; some were only charged */
        KASSERT(n <= pd->pt_pages);
        quota_uncharge(pd->obj.quota, pd->pt_pages * PAGE_SIZE);
        pd->pml4 = 0;
        pd->pt_pages = 0;
        *budget = *budget > n * 8 ? *budget - n * 8 : 0; /* a walk of 512 entries each */
    }
    return true;
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
    int err = pt_ensure(pd->pml4, va, va + pages * PAGE_SIZE, pd->obj.quota, &pd->pt_pages);
    if (err)
        return err;
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
    pt_clear_range(r->pd->pml4, r->va, r->pages);
    region_drop(r);
}

void region_drop(struct region *r)
{
    struct pd *pd = r->pd;
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
    return pt_set(pd->pml4, r->va + page * PAGE_SIZE, f, page_flags(r, f));
}

/* Makes pages [from, from + n) of r's object (offsets in the object) read-only in every
 * mapping of the object (their frames are shared now; an entry that stays a frame of
 * its own only takes one more fault, which finds it unshared). */
static void protect_shared(const struct region *r, uint64_t from, uint64_t n)
{
    for (struct region *q = r->mem->mappings; q; q = q->mem_next) {
        if (!(q->flags & CX_MAP_W))
            continue; /* no entry of a region without write access allows writes */
        uint64_t lo = q->offset > from ? q->offset : from;
        uint64_t hi = q->offset + q->pages < from + n ? q->offset + q->pages : from + n;
        if (lo < hi)
            pt_protect_range(q->pd->pml4, q->va + (lo - q->offset) * PAGE_SIZE, hi - lo);
    }
}

/*
 * A copy under way (pd_copy_as restarts): what it copies from, the next region to
 * take, and the region it is in the middle of (its new object, filled up to `done`
 * pages, and what the source region was, to see that it is still there). Charged to
 * the destination's quota; dropped when the copy ends, fails or the destination goes.
 */
struct pd_copy {
    struct pd *src; /* referenced */
    uint64_t lo, hi, next_va;
    struct mem *m; /* referenced: the part-filled copy of region r_va, or NULL */
    struct mem *r_mem;
    uint64_t r_va, r_pages, r_offset, done;
    bool same;    /* every frame of m so far is the source's */
    unsigned hot; /* pages copy_hot may still copy */
};

/*
 * A copy with CX_COPY_HOT (the launcher's for a vfork child's new domain: the runtime
 * half of its parent's space) gets its own copies at once of the pages the source wrote since its
 * last copy (the dirty bits of its entries), instead of sharing them copy-on-write: the runtime on
 * both sides writes the same few dozen pages (its data, stacks, the heap's busy pages) at every
 * spawn, and each of them would cost a fault on each side (a spawn made about 55). Both
 * entries are made writable (the source's frame is its own again). At most
 * PD_HOT_PAGES a copy; the rest stays copy-on-write.
 */
#define PD_HOT_PAGES 64u

static void copy_hot(struct pd_copy *c, const struct region *r, struct pd *src, struct pd *dst)
{
    uint64_t idx[PD_HOT_PAGES];
    struct region *d = region_find(dst, r->va);
    if (!d || d->va != r->va || !(r->flags & CX_MAP_W))
        return;
    unsigned n = pt_take_dirty(src->pml4, r->va, r->pages, idx, c->hot);
    for (unsigned k = 0; k < n; k++) {
        uint64_t va = r->va + idx[k] * PAGE_SIZE;
        uint64_t nf = mem_unshare(d->mem, d->offset + idx[k]);
        uint64_t f = mem_frame(r->mem, r->offset + idx[k], false);
        if (!nf || !f)
            break; /* no frame: the rest fault as they would */
        c->hot--;
        pt_set(dst->pml4, va, nf, page_flags(d, nf));
        pt_set(src->pml4, va, f, page_flags(r, f));
    }
}

static void copy_drop_part(struct pd_copy *c)
{
    if (!c->m)
        return;
    struct mem *m = c->m;
    c->m = NULL;
    kobj_destroy(&m->obj); /* gives back what it shared */
    kobj_put(&m->obj);
}

void pd_copy_abandon(struct pd *dst)
{
    struct pd_copy *c = dst->copy;
    if (!c)
        return;
    dst->copy = NULL;
    copy_drop_part(c);
    kobj_put(&c->src->obj);
    kfree(dst->obj.quota, c, sizeof(*c));
}

/* The copy stops here and goes on at the next call: its place moves from the stack
 * (a first call) into a record the destination keeps. */
static int copy_pause(struct pd *dst, struct pd_copy *c, uint64_t next_va)
{
    c->next_va = next_va;
    /* The source's threads may run before the next call, and a write of theirs gives
     * the source a frame of its own: its entries no longer say what the copy holds, so
     * a region copied across calls takes its entries from its own object. */
    c->same = false;
    if (dst->copy)
        return CX_E_RESTART;
    int err;
    struct pd_copy *kept = kmalloc(dst->obj.quota, sizeof(*kept), &err);
    if (!kept) {
        copy_drop_part(c);
        return err;
    }
    *kept = *c;
    kobj_get(&c->src->obj);
    dst->copy = kept;
    return CX_E_RESTART;
}

/* Copies up to *budget pages of private region r into the part-filled object; 0 and
 * the region mapped into dst when it is all done, CX_E_RESTART when not yet. */
static int copy_private(struct pd_copy *c, const struct region *r, struct pd *src, struct pd *dst,
                        uint64_t *budget)
{
    int err;
    if (c->m && (c->r_va != r->va || c->r_pages != r->pages || c->r_mem != r->mem ||
                 c->r_offset != r->offset))
        copy_drop_part(c); /* the source changed between calls: start this region again */
    if (!c->m) {
        c->m = mem_create_kernel(dst->obj.quota, r->pages, &err);
        if (!c->m)
            return err;
        kobj_get(&c->m->obj);
        c->r_va = r->va, c->r_pages = r->pages, c->r_mem = r->mem, c->r_offset = r->offset;
        c->done = 0;
        c->same = true;
    }
    while (c->done < r->pages) {
        if (!*budget)
            return CX_E_RESTART;
        /* a page looked at is a unit of budget, a page copied (a frame and 4 KiB) 16:
         * shared copy-on-write, the step is what the budget allows, copied a 16th */
        bool cow = r->mem->nmappings <= MEM_COW_MAPPINGS && !r->mem->pinned, same;
        uint64_t n = r->pages - c->done, copied = 0, most = cow ? *budget : *budget / 16 + 1;
        if (n > most)
            n = most;
        err = mem_copy_pages(c->m, c->done, r->mem, r->offset + c->done, n, cow, &same, &copied);
        if (err)
            return err;
        if (cow)
            protect_shared(r, r->offset + c->done, n);
        c->same = c->same && same;
        c->done += n;
        uint64_t cost = n + copied * 16;
        *budget = *budget > cost ? *budget - cost : 0;
    }
    struct mem *m = c->m;
    c->m = NULL;
    err = map_region(dst, m, 0, r->va, r->pages, r->flags, r->maxflags, !c->same);
    kobj_put(&m->obj); /* the mapping holds it now, or it goes */
    if (err)
        return err;
    if (c->same)
        pt_copy_range(src->pml4, dst->pml4, r->va, r->pages, true);
    if (c->same && c->hot)
        copy_hot(c, r, src, dst);
    return 0;
}

/* The copy's page-table entries are made from the source's present ones (one walk per
 * table, as Linux copies page tables), not from every page of every object: a page the
 * source had not touched faults in later from the region. Private regions are shared
 * copy-on-write (or copied) PD_COPY_BATCH pages a call; the caller calls again while
 * it gets CX_E_RESTART (syscall.c restarts the call from user mode). */
int pd_copy_as(struct pd *src, struct pd *dst, uint64_t lo, uint64_t hi, bool hot)
{
    int err = 0;
    struct pd_copy *c = dst->copy, first;
    if (c && (c->src != src || c->lo != lo || c->hi != hi))
        return CX_E_BUSY; /* another copy is under way into dst */
    if (!c) {
        if (dst->regions)
            return CX_E_BUSY; /* the copy starts from an empty address space */
        first = (struct pd_copy){
            .src = src, .lo = lo, .hi = hi, .next_va = lo, .hot = hot ? PD_HOT_PAGES : 0};
        c = &first; /* kept only if the copy must go on at another call */
    }
    uint64_t budget = PD_COPY_BATCH;
    struct region *r = src->regions;
    while (r && r->va < c->next_va)
        r = r->next;
    for (; r && r->va < hi; r = r->next) {
        if (r->flags & CX_MAP_DROP)
            continue;
        if (!budget)
            return copy_pause(dst, c, r->va);
        if ((r->flags & CX_MAP_SHARE) || r->mem->device) { /* registers are never copied */
            err = map_region(dst, r->mem, r->offset, r->va, r->pages, r->flags, r->maxflags, false);
            if (err)
                break;
            /* shared code (the runtime's, a program's mapped from its file system): the
             * source's present entries, the same frames, so that the copy does not fault
             * on each page of it; other shared memory faults in where the copy touches
             * it (the boot archive's thousands of pages would cost more to copy) */
            if (r->mem->device || (r->flags & CX_MAP_X))
                pt_copy_range(src->pml4, dst->pml4, r->va, r->pages, false);
            uint64_t cost = 1 + r->pages / 512;
            budget = budget > cost ? budget - cost : 0;
            continue;
        }
        err = copy_private(c, r, src, dst, &budget);
        if (err == CX_E_RESTART)
            return copy_pause(dst, c, r->va);
        if (err)
            break;
    }
    if (c == &first)
        copy_drop_part(c); /* failed in its first call (done: nothing is left) */
    else
        pd_copy_abandon(dst); /* done, or failed: dst keeps what was copied */
    return err;
}

void pd_stop(struct pd *pd, bool stop)
{
    pd->stopped = stop;
    for (struct thread *t = pd->threads; t; t = t->pd_next) {
        if (stop)
            syscall_finish_now(t);
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

static inline __attribute__((always_inline)) int user_phys(struct pd *pd, uint64_t uaddr,
                                                           bool write, uint64_t *pa);

int uaccess_phys(struct pd *pd, uint64_t uaddr, bool write, uint64_t *pa)
{
    return user_phys(pd, uaddr, write, pa);
}

static inline __attribute__((always_inline)) int user_phys(struct pd *pd, uint64_t uaddr,
                                                           bool write, uint64_t *pa)
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
        int err = user_phys(pd, uaddr, write, &pa);
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

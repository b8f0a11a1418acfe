/*
 * 4-level page tables. The kernel half (PML4 entries 256..511) is shared by every
 * address space: a direct map of RAM at DIRECT_MAP (2 MiB pages, no 1 GiB pages: the
 * nested KVM here lacks them), the kernel image at KERNEL_VMA, and an uncached MMIO
 * window. User page tables are made on demand and charged to the domain's quota by
 * the caller (pt_ensure reports how many pages it took).
 *
 * A last-level table is charged when a range is mapped but made only when an entry of
 * it is first set (PDE_LAZY in its directory entry until then): most of a large shared
 * mapping (the boot archive, mapped into every process) is never touched by a forked
 * child, and making, zeroing and freeing its tables was a tenth of a fork. The charge
 * is a promise: the frame is counted in the quota as a memory object's untouched pages
 * are, so making the table later finds one (pt_set reports it if not).
 */
#include "cpu.h"
#include "core/kernel.h"

#define PTE_P 0x1ul
#define PTE_W 0x2ul
#define PTE_U 0x4ul
#define PTE_PWT 0x8ul
#define PTE_PCD 0x10ul
#define PTE_D 0x40ul
#define PTE_PS 0x80ul
#define PTE_NX (1ul << 63)
#define PTE_ADDR 0x000ffffffffff000ul
/* In a directory entry over a last-level table (bits 9..11 are the software's): an
 * entry of that table may be present. Set whenever one is made present; cleared when
 * a range clears the whole table. Range walks skip a table without it. */
#define PDE_USED 0x200ul
/* A directory entry that is not present but whose table is charged (pt_ensure): the
 * table is made when an entry of it is set (table_for). */
#define PDE_LAZY 0x400ul
#define MAX_DIRECT_GIB 16
#define MMIO_BASE 0xffffffffc0000000ul

static uint64_t pool[4 + MAX_DIRECT_GIB + 2][512]
    __attribute__((aligned(4096), section(".pagetables")));
static unsigned pool_used;
static uint64_t *kpml4;
static uint64_t *mmio_pt;
static unsigned mmio_used;

static uint64_t *pool_page(void)
{
    KASSERT(pool_used < ARRAY_SIZE(pool));
    memset(pool[pool_used], 0, PAGE_SIZE); /* .pagetables is not zeroed at boot */
    return pool[pool_used++];
}

uint64_t kernel_pml4(void)
{
    return virt_to_phys(kpml4);
}

void paging_init(uint64_t max_phys)
{
    kpml4 = pool_page();
    uint64_t *dpdpt = pool_page();
    uint64_t gib = (max_phys + (1ul << 30) - 1) >> 30;
    if (gib > MAX_DIRECT_GIB) {
        kprintf("[kernel] RAM above %d GiB is not used\n", MAX_DIRECT_GIB);
        gib = MAX_DIRECT_GIB;
    }
    for (uint64_t g = 0; g < gib; g++) {
        uint64_t *pd = pool_page();
        for (int i = 0; i < 512; i++)
            pd[i] = ((g << 30) + ((uint64_t)i << 21)) | PTE_P | PTE_W | PTE_PS |
                    (cpu_has_nx ? PTE_NX : 0);
        dpdpt[g] = virt_to_phys(pd) | PTE_P | PTE_W;
    }
    kpml4[256] = virt_to_phys(dpdpt) | PTE_P | PTE_W;

    uint64_t *kpdpt = pool_page();
    uint64_t *kpd = pool_page();
    for (int i = 0; i < 512; i++)
        kpd[i] = ((uint64_t)i << 21) | PTE_P | PTE_W | PTE_PS;
    kpdpt[510] = virt_to_phys(kpd) | PTE_P | PTE_W;
    uint64_t *mpd = pool_page();
    mmio_pt = pool_page();
    mpd[0] = virt_to_phys(mmio_pt) | PTE_P | PTE_W;
    kpdpt[511] = virt_to_phys(mpd) | PTE_P | PTE_W;
    kpml4[511] = virt_to_phys(kpdpt) | PTE_P | PTE_W;
    pt_activate(virt_to_phys(kpml4));
}

void *kmap_mmio(uint64_t pa, size_t size)
{
    uint64_t pages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
    KASSERT(mmio_used + pages <= 512);
    uint64_t va = MMIO_BASE + (uint64_t)mmio_used * PAGE_SIZE;
    for (uint64_t i = 0; i < pages; i++)
        mmio_pt[mmio_used + i] =
            (pa + i * PAGE_SIZE) | PTE_P | PTE_W | PTE_PCD | PTE_PWT | (cpu_has_nx ? PTE_NX : 0);
    mmio_used += pages;
    return (void *)va;
}

/* Maps the pages of a kernel-image buffer (a stack) a second time in the window, above
 * a page that is never mapped: a stack used through this alias that overflows faults
 * on the guard page (then #DF on its own IST stack) instead of overwriting what lies
 * below it. Returns the alias of base. */
void *kmap_guarded(void *base, size_t size)
{
    uint64_t pages = size / PAGE_SIZE;
    KASSERT(!((uint64_t)base & (PAGE_SIZE - 1)) && !(size & (PAGE_SIZE - 1)));
    KASSERT(mmio_used + 1 + pages <= 512);
    mmio_used++; /* the guard page */
    uint64_t va = MMIO_BASE + (uint64_t)mmio_used * PAGE_SIZE;
    for (uint64_t i = 0; i < pages; i++)
        mmio_pt[mmio_used + i] =
            (virt_to_phys(base) + i * PAGE_SIZE) | PTE_P | PTE_W | (cpu_has_nx ? PTE_NX : 0);
    mmio_used += pages;
    return (void *)va;
}

void pt_activate(uint64_t root)
{
    __asm__ volatile("mov %0, %%cr3" ::"r"(root) : "memory");
    this_cpu()->cur_root = root;
}

void pt_flush(uint64_t va)
{
    __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory");
}

uint64_t pt_new_root(void)
{
    uint64_t pa = pmem_alloc_pt();
    if (!pa)
        return 0;
    uint64_t *t = phys_to_virt(pa);
    for (int i = 256; i < 512; i++)
        t[i] = kpml4[i];
    return pa;
}

static unsigned idx(uint64_t va, int level)
{
    return (va >> (12 + 9 * level)) & 511;
}

/* The tables over [va, end): the upper levels made, the last-level ones charged (one
 * walk down per directory page, its entries then taken in a row). */
int pt_ensure(uint64_t root, uint64_t va, uint64_t end, struct quota *q, uint64_t *count)
{
    while (va < end) {
        uint64_t *t = phys_to_virt(root);
        for (int level = 3; level > 1; level--) {
            uint64_t *e = &t[idx(va, level)];
            if (!(*e & PTE_P)) {
                int err = quota_charge(q, PAGE_SIZE);
                if (err)
                    return err;
                uint64_t pa = pmem_alloc_pt();
                if (!pa) {
                    quota_uncharge(q, PAGE_SIZE);
                    return CX_E_NO_MEMORY;
                }
                *e = pa | PTE_P | PTE_W | PTE_U;
                (*count)++;
            }
            t = phys_to_virt(*e & PTE_ADDR);
        }
        /* this directory page's entries over the range: absent ones charged, made later */
        unsigned first = idx(va, 1), last = first;
        uint64_t n = 0;
        for (; last < 512 && va < end; last++, va = (va & ~((1ul << 21) - 1)) + (1ul << 21))
            n += !(t[last] & PTE_P) && t[last] != PDE_LAZY;
        if (n) {
            int err = quota_charge(q, n * PAGE_SIZE);
            if (err)
                return err;
            for (unsigned i = first; i < last; i++)
                if (!(t[i] & PTE_P))
                    t[i] = PDE_LAZY;
            *count += n;
        }
    }
    return 0;
}

static inline __attribute__((always_inline)) uint64_t *pte_of(uint64_t root, uint64_t va)
{
    uint64_t *t = phys_to_virt(root);
    for (int level = 3; level > 0; level--) {
        uint64_t e = t[idx(va, level)];
        if (!(e & PTE_P))
            return NULL;
        t = phys_to_virt(e & PTE_ADDR);
    }
    return &t[idx(va, 0)];
}

/* The entry of va in its last-level table, or NULL when a table on the way is absent;
 * *span: the pages from va to the end of that table, or of the absent table's reach
 * (so a range walk skips a hole of 2 MiB, 1 GiB or 512 GiB in one step). */
static inline __attribute__((always_inline)) uint64_t *pte_span(uint64_t root, uint64_t va,
                                                                uint64_t *span, uint64_t **pde)
{
    uint64_t *t = phys_to_virt(root);
    for (int level = 3; level >= 0; level--) {
        if (level == 0) {
            *span = 512 - idx(va, 0);
            return &t[idx(va, 0)];
        }
        if (level == 1)
            *pde = &t[idx(va, 1)];
        uint64_t e = t[idx(va, level)];
        if (!(e & PTE_P)) {
            uint64_t reach = 1ul << (9 * level); /* pages under one entry of this level */
            *span = reach - ((va >> 12) & (reach - 1));
            return NULL;
        }
        t = phys_to_virt(e & PTE_ADDR);
    }
    return NULL;
}

/* The entry of va in its last-level table, the table made now if it was only charged
 * (PDE_LAZY); NULL when va has no table charged, or no frame is left for it. */
static uint64_t *table_for(uint64_t root, uint64_t va, uint64_t **pde)
{
    uint64_t span;
    uint64_t *pte = pte_span(root, va, &span, pde);
    if (pte)
        return pte;
    uint64_t *t = phys_to_virt(root);
    for (int level = 3; level > 1; level--) {
        uint64_t e = t[idx(va, level)];
        if (!(e & PTE_P))
            return NULL;
        t = phys_to_virt(e & PTE_ADDR);
    }
    uint64_t *e = &t[idx(va, 1)];
    if (*e != PDE_LAZY)
        return NULL;
    uint64_t pa = pmem_alloc_pt(); /* zeroed */
    if (!pa)
        return NULL;
    *e = pa | PTE_P | PTE_W | PTE_U;
    *pde = e;
    return &((uint64_t *)phys_to_virt(pa))[idx(va, 0)];
}

static uint64_t pte_make(uint64_t pa, uint8_t flags)
{
    uint64_t e = pa | PTE_P | PTE_U;
    if (flags & CX_MAP_W)
        e |= PTE_W;
    if (!(flags & CX_MAP_X) && cpu_has_nx)
        e |= PTE_NX;
    if (flags & MAP_DEVICE)
        e |= PTE_PCD | PTE_PWT;
    return e;
}

/* The entries a range operation changed that the TLB may hold: up to FLUSH_MAX
 * addresses are flushed one by one, more flush the whole TLB; only when root is the
 * current address space. */
#define FLUSH_MAX 32
struct flush {
    uint64_t root, n;
    uint64_t va[FLUSH_MAX];
};

static void flush_note(struct flush *fl, uint64_t va)
{
    if (fl->n < FLUSH_MAX)
        fl->va[fl->n] = va;
    fl->n++;
}

static void flush_done(const struct flush *fl)
{
    if (!fl->n || this_cpu()->cur_root != fl->root)
        return;
    if (fl->n > FLUSH_MAX) {
        pt_activate(fl->root);
        return;
    }
    for (uint64_t i = 0; i < fl->n; i++)
        pt_flush(fl->va[i]);
}

int pt_set(uint64_t root, uint64_t va, uint64_t pa, uint8_t flags)
{
    uint64_t *pde;
    uint64_t *pte = table_for(root, va, &pde);
    if (!pte)
        return CX_E_NO_MEMORY; /* a charged table found no frame */
    *pde |= PDE_USED;
    uint64_t e = pa | PTE_P | PTE_U;
    if (flags & CX_MAP_W)
        e |= PTE_W;
    if (!(flags & CX_MAP_X) && cpu_has_nx)
        e |= PTE_NX;
    if (flags & MAP_DEVICE)
        e |= PTE_PCD | PTE_PWT;
    bool was = *pte & PTE_P;
    *pte = e;
    if (was && this_cpu()->cur_root == root)
        pt_flush(va);
    return 0;
}

void pt_clear(uint64_t root, uint64_t va)
{
    uint64_t *pte = pte_of(root, va);
    if (pte && (*pte & PTE_P)) {
        *pte = 0;
        if (this_cpu()->cur_root == root)
            pt_flush(va);
    }
}

void pt_set_range(uint64_t root, uint64_t va, uint64_t pages, uint64_t (*frame)(void *, uint64_t),
                  void *arg, uint8_t (*flags_of)(void *, uint64_t))
{
    struct flush fl = {.root = root};
    for (uint64_t i = 0; i < pages;) {
        uint64_t span, *pde = NULL;
        uint64_t *pte = pte_span(root, va + i * PAGE_SIZE, &span, &pde);
        if (span > pages - i)
            span = pages - i;
        for (uint64_t j = 0; j < span; j++) {
            uint64_t f = frame(arg, i + j);
            uint64_t e = f ? pte_make(f, flags_of(arg, f)) : 0;
            if (!pte && f) { /* its table only charged: made now (else it faults in) */
                uint64_t *p = table_for(root, va + (i + j) * PAGE_SIZE, &pde);
                if (p)
                    pte = p - j;
            }
            if (!pte || pte[j] == e)
                continue;
            if (pte[j] & PTE_P)
                flush_note(&fl, va + (i + j) * PAGE_SIZE);
            if (e)
                *pde |= PDE_USED;
            pte[j] = e;
        }
        i += span;
    }
    flush_done(&fl);
}

uint64_t pt_clear_range(uint64_t root, uint64_t va, uint64_t pages)
{
    struct flush fl = {.root = root};
    for (uint64_t i = 0; i < pages;) {
        uint64_t span, *pde = NULL;
        uint64_t *pte = pte_span(root, va + i * PAGE_SIZE, &span, &pde);
        if (span > pages - i)
            span = pages - i;
        if (pte && (*pde & PDE_USED)) {
            for (uint64_t j = 0; j < span; j++) {
                if (pte[j] & PTE_P)
                    flush_note(&fl, va + (i + j) * PAGE_SIZE);
                pte[j] = 0;
            }
            if (span == 512) /* the whole table: nothing in it is present now */
                *pde &= ~PDE_USED;
        }
        i += span;
    }
    flush_done(&fl);
    return fl.n;
}

/* For an entry t[j] that is 0: 7 when the seven after it are 0 too (a walk skips them),
 * else 0. Most of a process's tables are mostly empty. */
static inline __attribute__((always_inline)) uint64_t zero_run(const uint64_t *t, uint64_t j,
                                                               uint64_t end)
{
    if ((j & 7) || j + 8 > end)
        return 0;
    return (t[j + 1] | t[j + 2] | t[j + 3] | t[j + 4] | t[j + 5] | t[j + 6] | t[j + 7]) ? 0 : 7;
}

void pt_protect_range(uint64_t root, uint64_t va, uint64_t pages)
{
    struct flush fl = {.root = root};
    for (uint64_t i = 0; i < pages;) {
        uint64_t span, *pde = NULL;
        uint64_t *pte = pte_span(root, va + i * PAGE_SIZE, &span, &pde);
        if (span > pages - i)
            span = pages - i;
        for (uint64_t j = 0; pte && (*pde & PDE_USED) && j < span; j++) {
            if (!pte[j]) {
                j += zero_run(pte, j, span);
                continue;
            }
            if ((pte[j] & (PTE_P | PTE_W)) == (PTE_P | PTE_W)) {
                pte[j] &= ~PTE_W;
                flush_note(&fl, va + (i + j) * PAGE_SIZE);
            }
        }
        i += span;
    }
    flush_done(&fl);
}

unsigned pt_take_dirty(uint64_t root, uint64_t va, uint64_t pages, uint64_t *out, unsigned max)
{
    unsigned n = 0;
    for (uint64_t i = 0; i < pages && n < max;) {
        uint64_t span, *pde = NULL;
        uint64_t *pte = pte_span(root, va + i * PAGE_SIZE, &span, &pde);
        if (span > pages - i)
            span = pages - i;
        for (uint64_t j = 0; pte && (*pde & PDE_USED) && j < span && n < max; j++) {
            if (!pte[j]) {
                j += zero_run(pte, j, span);
                continue;
            }
            if ((pte[j] & (PTE_P | PTE_D)) == (PTE_P | PTE_D)) {
                pte[j] &= ~PTE_D; /* (no flush: only a hint, and root is not running) */
                out[n++] = i + j;
            }
        }
        i += span;
    }
    return n;
}

void pt_copy_range(uint64_t src, uint64_t dst, uint64_t va, uint64_t pages, bool readonly)
{
    struct flush fl = {.root = dst};
    for (uint64_t i = 0; i < pages;) {
        uint64_t span, *pde = NULL;
        uint64_t *from = pte_span(src, va + i * PAGE_SIZE, &span, &pde);
        if (span > pages - i)
            span = pages - i;
        if (from && (*pde & PDE_USED)) {
            uint64_t *dpde;
            /* the caller charged dst's tables (pt_ensure); made here where src has one */
            uint64_t *to = table_for(dst, va + i * PAGE_SIZE, &dpde);
            if (!to) { /* no frame for the table: the pages fault in from the region */
                i += span;
                continue;
            }
            uint64_t mask = readonly ? ~PTE_W : ~0ul;
            for (uint64_t j = 0; j < span; j++) {
                uint64_t e = from[j];
                if (!e)
                    j += zero_run(from, j, span);
                if (!(e & PTE_P))
                    continue;
                if (to[j] & PTE_P)
                    flush_note(&fl, va + (i + j) * PAGE_SIZE);
                to[j] = e & mask;
                *dpde |= PDE_USED;
            }
        }
        i += span;
    }
    flush_done(&fl);
}

uint64_t pt_lookup(uint64_t root, uint64_t va, uint64_t *flags)
{
    uint64_t *pte = pte_of(root, va);
    if (!pte || !(*pte & PTE_P))
        return 0;
    if (flags)
        *flags = (*pte & PTE_W ? CX_MAP_W : 0) | CX_MAP_R | (*pte & PTE_NX ? 0 : CX_MAP_X) |
                 (*pte & PTE_PCD ? MAP_DEVICE : 0);
    return *pte & PTE_ADDR;
}

static uint64_t free_level(uint64_t pa, int level);

/* Frees the tables under entries [0, count) of table t (a level above 0); how many. Most
 * tables are nearly empty, so eight entries are looked at in one test. */
static uint64_t free_entries(uint64_t *t, int count, int level)
{
    uint64_t n = 0;
    for (int i = 0; i < count; i += 8) {
        if (!((t[i] | t[i + 1] | t[i + 2] | t[i + 3] | t[i + 4] | t[i + 5] | t[i + 6] | t[i + 7]) &
              PTE_P))
            continue;
        for (int j = i; j < i + 8; j++)
            if (t[j] & PTE_P)
                n += free_level(t[j] & PTE_ADDR, level - 1);
    }
    return n;
}

static uint64_t free_level(uint64_t pa, int level)
{
    uint64_t n = 1;
    if (level > 0)
        n += free_entries(phys_to_virt(pa), 512, level);
    pmem_free_pt(pa);
    return n;
}

uint64_t pt_free_user(uint64_t root)
{
    uint64_t n = 1 + free_entries(phys_to_virt(root), 256, 3); /* the user half */
    if (this_cpu()->cur_root == root)
        pt_activate(kernel_pml4());
    pmem_free_pt(root);
    return n;
}

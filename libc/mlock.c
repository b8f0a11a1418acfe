/*
 * Memory locks: mlock, mlock2, munlock, mlockall, munlockall (docs/runtime.md, "Memory
 * locks").
 *
 * capix never pages memory out: a page that has its frame keeps it until it is
 * unmapped. Locking a range therefore means what Linux promises after the call: every
 * page of it has its frame (the runtime touches each page the kernel's pd_resident
 * reports without one), and the range counts against RLIMIT_MEMLOCK (Linux's default of
 * 8 MiB; a process with CAP_IPC_LOCK, as root, has no limit). The locked ranges are kept here,
 * sorted and merged, so that munlock, munmap (which unlocks) and msync's EBUSY for
 * MS_INVALIDATE on locked pages see them. mlockall(MCL_CURRENT) locks every brk and
 * mmap mapping; MCL_FUTURE locks each later mmap (EAGAIN past the limit, as Linux).
 * A fork child and a new program start with nothing locked (Linux's rule).
 */
#include <stdbool.h>
#include <string.h>
#include "creds.h"
#include "runtime.h"

#define MAX_LOCKS 256

struct lock_range {
    uint64_t start, end; /* page aligned, start < end */
};

static struct lock_range locks[MAX_LOCKS]; /* sorted, neither overlapping nor touching */
static unsigned nlocks;
static bool future;

static uint64_t page_down(uint64_t x)
{
    return x & ~(uint64_t)(CX_PAGE_SIZE - 1);
}

/* Bytes of [s, e) that are locked now. */
static uint64_t locked_in(uint64_t s, uint64_t e)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < nlocks; i++) {
        uint64_t a = locks[i].start > s ? locks[i].start : s;
        uint64_t b = locks[i].end < e ? locks[i].end : e;
        if (a < b)
            n += b - a;
    }
    return n;
}

static uint64_t locked_total(void)
{
    return locked_in(0, ~(uint64_t)0);
}

/* Removes [s, e) from the locked ranges; -ENOMEM when a split finds no room. */
static long locks_remove(uint64_t s, uint64_t e)
{
    for (unsigned i = 0; i < nlocks;) {
        struct lock_range r = locks[i];
        if (r.end <= s || r.start >= e) {
            i++;
            continue;
        }
        if (r.start < s && r.end > e) { /* the middle goes: two ranges */
            if (nlocks == MAX_LOCKS)
                return -ENOMEM;
            memmove(&locks[i + 1], &locks[i], (nlocks - i) * sizeof(locks[0]));
            nlocks++;
            locks[i].end = s;
            locks[i + 1].start = e;
            return 0;
        }
        if (r.start < s) {
            locks[i++].end = s;
        } else if (r.end > e) {
            locks[i++].start = e;
        } else {
            memmove(&locks[i], &locks[i + 1], (nlocks - i - 1) * sizeof(locks[0]));
            nlocks--;
        }
    }
    return 0;
}

/* Adds [s, e), merged with the ranges it overlaps or touches; -ENOMEM when full. */
static long locks_add(uint64_t s, uint64_t e)
{
    unsigned i = 0;
    while (i < nlocks && locks[i].end < s)
        i++;
    unsigned j = i; /* [i, j): the ranges that overlap or touch [s, e) */
    while (j < nlocks && locks[j].start <= e) {
        if (locks[j].start < s)
            s = locks[j].start;
        if (locks[j].end > e)
            e = locks[j].end;
        j++;
    }
    if (i == j) {
        if (nlocks == MAX_LOCKS)
            return -ENOMEM;
        memmove(&locks[i + 1], &locks[i], (nlocks - i) * sizeof(locks[0]));
        nlocks++;
    } else {
        memmove(&locks[i + 1], &locks[j], (nlocks - j) * sizeof(locks[0]));
        nlocks -= j - i - 1;
    }
    locks[i] = (struct lock_range){s, e};
    return 0;
}

/* Gives every page of [s, e) its frame (touch); -ENOMEM where a page is not mapped (pages
 * of a shared file mapping beyond the file's end count as mapped and are left alone). A
 * PROT_NONE page is not touched: -ENOMEM when strict (mlock, as Linux's populate fails
 * there), else left alone (mlockall and MCL_FUTURE, which ignore such errors on Linux). */
static long populate(uint64_t s, uint64_t e, bool touch, bool strict)
{
    uint8_t vec[CX_RESIDENT_MAX];
    for (uint64_t va = s; va < e;) {
        uint64_t n = (e - va) / CX_PAGE_SIZE;
        if (n > CX_RESIDENT_MAX)
            n = CX_RESIDENT_MAX;
        long err = cx_raw_pd_resident(rt->slot_pd, va, n, (uint64_t)vec, 0, 0).err;
        if (err == CX_E_MAPPING && n > 1) {
            n = 1; /* find the unmapped page one at a time */
            err = cx_raw_pd_resident(rt->slot_pd, va, 1, (uint64_t)vec, 0, 0).err;
        }
        if (err == CX_E_MAPPING && rt_addr_beyond_eof(va)) {
            va += CX_PAGE_SIZE;
            continue;
        }
        if (err)
            return -ENOMEM;
        for (uint64_t k = 0; touch && k < n; k++) {
            if (strict && (vec[k] & CX_RESIDENT_NOACCESS))
                return -ENOMEM;
            if (!vec[k])
                (void)*(volatile const uint8_t *)(va + k * CX_PAGE_SIZE);
        }
        va += n * CX_PAGE_SIZE;
    }
    return 0;
}

#define CAP_IPC_LOCK 14 /* Linux's: no RLIMIT_MEMLOCK */

static uint64_t lock_limit(void)
{
    struct linux_rlimit rl;
    if (rt_capable(CAP_IPC_LOCK) || rt_prlimit(0, RLIMIT_MEMLOCK, NULL, &rl))
        return ~(uint64_t)0;
    return rl.cur;
}

/* Page-aligned [*s, *e) of addr and len as Linux computes it; -EINVAL on overflow. */
static long span(uint64_t addr, uint64_t len, uint64_t *s, uint64_t *e)
{
    uint64_t start = page_down(addr), off = addr - start;
    if (len > ~(uint64_t)0 - off - (CX_PAGE_SIZE - 1))
        return -EINVAL;
    uint64_t bytes = page_down(len + off + CX_PAGE_SIZE - 1);
    if (bytes > ~(uint64_t)0 - start)
        return -EINVAL;
    *s = start;
    *e = start + bytes;
    return 0;
}

long rt_mlock(uint64_t addr, uint64_t len, uint64_t flags)
{
    if (flags & ~(uint64_t)MLOCK_ONFAULT)
        return -EINVAL;
    uint64_t limit = lock_limit(), s, e;
    if (limit < CX_PAGE_SIZE && !rt_capable(CAP_IPC_LOCK))
        return -EPERM; /* Linux's can_do_mlock: no limit left at all */
    long err = span(addr, len, &s, &e);
    if (err || s == e)
        return err;
    if (e > CX_USER_TOP)
        return -ENOMEM;
    uint64_t total = locked_total() + (e - s) - locked_in(s, e);
    if (total > limit)
        return -ENOMEM;
    err = populate(s, e, !(flags & MLOCK_ONFAULT), true);
    return err ? err : locks_add(s, e);
}

long rt_munlock(uint64_t addr, uint64_t len)
{
    uint64_t s, e;
    long err = span(addr, len, &s, &e);
    if (err || s == e)
        return err;
    if (e > CX_USER_TOP || populate(s, e, false, false))
        return -ENOMEM;
    return locks_remove(s, e);
}

/* Locks one mapping of [s, e) (MCL_CURRENT's walk over memory.c's records). */
static long lock_mapping(uint64_t s, uint64_t e, bool touch)
{
    long err = populate(s, e, touch, false);
    return err ? err : locks_add(s, e);
}

long rt_mlockall(uint64_t flags)
{
    if (!flags || (flags & ~(uint64_t)(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) ||
        flags == MCL_ONFAULT)
        return -EINVAL;
    uint64_t limit = lock_limit();
    if (limit < CX_PAGE_SIZE && !rt_capable(CAP_IPC_LOCK))
        return -EPERM;
    if ((flags & MCL_CURRENT) && rt_memory_mapped_bytes() > limit)
        return -ENOMEM;
    future = (flags & MCL_FUTURE) != 0;
    if (!(flags & MCL_CURRENT))
        return 0;
    return rt_memory_each(lock_mapping, !(flags & MCL_ONFAULT));
}

long rt_munlockall(void)
{
    nlocks = 0;
    future = false;
    return 0;
}

long rt_mlock_new(uint64_t va, uint64_t len)
{
    if (!future || len == 0)
        return 0;
    if (locked_total() + len > lock_limit())
        return -EAGAIN;
    return lock_mapping(va, va + len, true);
}

bool rt_mlock_busy(uint64_t addr, uint64_t len)
{
    return len && addr + len > addr && locked_in(page_down(addr), addr + len) > 0;
}

void rt_mlock_forget(uint64_t addr, uint64_t len)
{
    if (len && addr + len > addr)
        (void)locks_remove(addr, addr + len); /* no room to split: the range stays whole */
}

void rt_mlock_reset(void)
{
    nlocks = 0;
    future = false;
}

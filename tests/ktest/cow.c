/*
 * ktest: copy-on-write (pd_copy_as, docs/kernel-abi.md "Address spaces"). A copy of this
 * domain shares its frames; the first write on either side copies the page for that
 * side only, so neither sees the other's writes. Copying a 16 MiB touched region takes
 * a few frames (page tables, the object's directory), not 4,096; and every frame comes
 * back when the copy is destroyed.
 */
#include <capix/capix.h>
#include "ktest.h"

#define COW_VA 0x5a00000000ul
#define COW_PAGES 4096ul
#define SHARE_VA 0x5a80000000ul

static volatile uint64_t *const priv = (volatile uint64_t *)COW_VA;
static volatile uint64_t *const seen = (volatile uint64_t *)SHARE_VA;
static uint8_t child_stack[8192] __attribute__((aligned(16)));

static uint64_t free_frames(void)
{
    return cx_raw_quota_info(CX_SLOT_QUOTA, 0, 0, 0, 0, 0).rdx;
}

/* Runs in the copy: what it sees, then its own write, reported through a page mapped
 * shared (CX_MAP_SHARE: the same object in both domains). */
static void child_fn(uint64_t arg)
{
    seen[0] = priv[0];
    seen[1] = priv[512];
    priv[512] = 0xc0c0;
    seen[2] = priv[512];
    seen[3] = 1;
    for (;;)
        cx_futex_wait(CX_SLOT_SELF_PD, SHARE_VA + 64, 0, CX_TIMEOUT_NONE);
}

/* Starts child_fn in the copy pd (its own domain capability given) and waits up to
 * 400 ms for its report; returns the thread's slot. */
static uint64_t run_child(uint64_t pd)
{
    cx_cap_copy(CX_SLOT_SELF_PD, pd, CX_SLOT_SELF_PD, CX_R_READ, 0);
    uint64_t t = kt_thread(pd, child_fn, 0, child_stack, sizeof(child_stack), 0, 100, 0);
    for (int i = 0; i < 200 && !seen[3]; i++)
        kt_sleep_ms(2);
    return t;
}

void kt_cow(void)
{
    uint64_t m = kt_slot(), sm = kt_slot(), pd = kt_slot(), pd2 = kt_slot(), t = kt_slot();
    cx_mem_create(CX_SLOT_QUOTA, COW_PAGES, m);
    cx_map(CX_SLOT_SELF_PD, m, 0, COW_VA, COW_PAGES, CX_MAP_R | CX_MAP_W);
    cx_mem_create(CX_SLOT_QUOTA, 1, sm);
    cx_map(CX_SLOT_SELF_PD, sm, 0, SHARE_VA, 1, CX_MAP_R | CX_MAP_W | CX_MAP_SHARE);
    for (uint64_t p = 0; p < COW_PAGES; p++)
        priv[p * 512] = 0xaaaa + p;
    priv[512] = 0xbbbb;

    /* only the 16 MiB region: a few frames, not one per page */
    uint64_t f0 = free_frames();
    cx_pd_create(CX_SLOT_QUOTA, pd2, 64);
    EXPECT("cow_copy_region", cx_raw_pd_copy_as(CX_SLOT_SELF_PD, pd2, COW_VA, COW_VA + 1, 0, 0).err,
           0);
    uint64_t used = f0 - free_frames();
    kt_check("cow_copy_shares_frames", used < 32, "a copy of %lu touched pages took %lu frames",
             COW_PAGES, used);
    priv[0] = 0x1111; /* the first write copies the page for this side */
    EXPECT("cow_copy_deleted", cx_cap_delete(pd2), 0);
    /* the written page got a frame here, the copy's old one went with the copy */
    kt_check("cow_frames_back", free_frames() == f0, "free %lu, was %lu", free_frames(), f0);

    /* the whole domain, with a thread in the copy */
    cx_pd_create(CX_SLOT_QUOTA, pd, 64);
    EXPECT("cow_copy_domain", cx_raw_pd_copy_as(CX_SLOT_SELF_PD, pd, 0, 0, 0, 0).err, 0);
    priv[0] = 0x2222; /* after the copy: the copy keeps 0x1111 */
    t = run_child(pd);
    kt_check("cow_copy_sees_the_old_page", seen[3] && seen[0] == 0x1111 && seen[1] == 0xbbbb,
             "done %lu saw %#lx %#lx", seen[3], seen[0], seen[1]);
    kt_check("cow_copy_writes_its_own",
             seen[2] == 0xc0c0 && priv[512] == 0xbbbb && priv[0] == 0x2222 &&
                 priv[2 * 512] == 0xaaaa + 2,
             "copy %#lx, here %#lx %#lx", seen[2], priv[512], priv[0]);
    cx_cap_delete(t);
    EXPECT("cow_domain_deleted", cx_cap_delete(pd), 0);
    for (uint64_t p = 0; p < COW_PAGES; p++) /* every page is this side's alone again */
        priv[p * 512] = p;

    /* CX_COPY_HOT: pages written since the last copy are copied at once (at most 64), the
     * rest shared; either way neither side sees the other's writes */
    uint64_t pd3 = kt_slot();
    cx_pd_create(CX_SLOT_QUOTA, pd3, 64);
    EXPECT("cow_hot_bad_flags", cx_raw_pd_copy_as(CX_SLOT_SELF_PD, pd3, 0, 0, 2, 0).err,
           CX_E_INVALID_ARG);
    f0 = free_frames(); /* a plain copy's frames (page tables, directories) to compare */
    EXPECT("cow_plain_copy", cx_raw_pd_copy_as(CX_SLOT_SELF_PD, pd3, 0, 0, 0, 0).err, 0);
    uint64_t plain = f0 - free_frames();
    cx_cap_delete(pd3);
    cx_pd_create(CX_SLOT_QUOTA, pd3, 64);
    for (uint64_t p = 0; p < COW_PAGES; p++) /* written again: dirty */
        priv[p * 512] = p;
    priv[0] = 0x3333, priv[512] = 0xbbbb;
    seen[0] = seen[1] = seen[2] = seen[3] = 0;
    f0 = free_frames();
    EXPECT("cow_hot_copy", cx_raw_pd_copy_as(CX_SLOT_SELF_PD, pd3, 0, 0, CX_COPY_HOT, 0).err, 0);
    used = f0 - free_frames();
    kt_check("cow_hot_copies_bounded", used > plain && used <= plain + 64,
             "a hot copy of %lu written pages took %lu frames, a plain one %lu", COW_PAGES, used,
             plain);
    priv[0] = 0x4444; /* after the copy: the copy keeps 0x3333 */
    t = run_child(pd3);
    kt_check("cow_hot_copy_sees_the_old_page", seen[3] && seen[0] == 0x3333 && seen[1] == 0xbbbb,
             "done %lu saw %#lx %#lx", seen[3], seen[0], seen[1]);
    kt_check("cow_hot_copy_writes_its_own",
             seen[2] == 0xc0c0 && priv[512] == 0xbbbb && priv[0] == 0x4444 && priv[2 * 512] == 2,
             "copy %#lx, here %#lx %#lx", seen[2], priv[512], priv[0]);
    cx_cap_delete(t);
    EXPECT("cow_hot_domain_deleted", cx_cap_delete(pd3), 0);
    cx_unmap(CX_SLOT_SELF_PD, COW_VA, COW_PAGES);
    cx_unmap(CX_SLOT_SELF_PD, SHARE_VA, 1);
    cx_cap_delete(m);
    cx_cap_delete(sm);
}

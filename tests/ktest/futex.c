/*
 * ktest: futex_wait and futex_wake. Every rejection (slot, type, right, alignment,
 * range, unmapped address), value mismatch, timeout, the wake count, wakes across
 * threads and across domains (a waiter naming the word by address in its own domain
 * meets a waker naming it by memory object and offset), and waiters whose object or
 * whose own thread is destroyed.
 */
#include "ktest.h"

#define FUTEX_VA 0x39000000ul /* two pages of shared memory, also in the copied domain */
#define FUTEX_PAGES 2

static uint8_t stacks[3][8192] __attribute__((aligned(16)));
static volatile uint32_t *const words = (volatile uint32_t *)FUTEX_VA;
static uint64_t mem;             /* the shared object, READ and WRITE */
static volatile long results[3]; /* what each waiter's futex_wait returned */
static volatile uint64_t woke_count;

/* A waiter naming the word by object and offset (arg: index, offset in bits 8..). */
static void wait_mem_fn(uint64_t arg)
{
    unsigned i = arg & 0xff;
    results[i] = cx_futex_wait(mem, arg >> 8, 0, 2000000000ul);
    __atomic_add_fetch(&woke_count, 1, __ATOMIC_SEQ_CST);
    kt_park();
}

/* A waiter naming the word by its address in its own domain. */
static void wait_addr_fn(uint64_t arg)
{
    results[0] = cx_futex_wait(CX_SLOT_SELF_PD, FUTEX_VA + 64, 0, 2000000000ul);
    __atomic_add_fetch(&woke_count, 1, __ATOMIC_SEQ_CST);
    kt_park();
}

/* Runs in a copied domain: waits by address, then reports through the shared page
 * (word 1) and waits for good on a word nobody wakes. */
static void other_domain_fn(uint64_t arg)
{
    long r = cx_futex_wait(CX_SLOT_SELF_PD, FUTEX_VA + 128, 7, 2000000000ul);
    words[1] = r == 0 ? 1 : 2;
    for (;;)
        cx_futex_wait(CX_SLOT_SELF_PD, FUTEX_VA + 256, 0, CX_TIMEOUT_NONE);
}

void kt_futex(void)
{
    mem = kt_slot();
    cx_mem_create(CX_SLOT_QUOTA, FUTEX_PAGES, mem);
    cx_map(CX_SLOT_SELF_PD, mem, 0, FUTEX_VA, FUTEX_PAGES, CX_MAP_R | CX_MAP_W | CX_MAP_SHARE);
    uint64_t woken = 99, n = kt_slot(), wo = kt_slot(), empty = kt_slot();
    cx_notif_create(CX_SLOT_QUOTA, n);
    cx_cap_copy(mem, CX_SLOT_SELF_PD, wo, CX_R_WRITE, 0);

    /* rejections */
    EXPECT("futex_bad_slot", cx_futex_wait(1u << 30, 0, 0, 0), CX_E_INVALID_SLOT);
    EXPECT("futex_empty_slot", cx_futex_wake(empty, 0, 1, NULL), CX_E_EMPTY_SLOT);
    EXPECT("futex_wrong_type", cx_futex_wait(n, 0, 0, 0), CX_E_WRONG_TYPE);
    EXPECT("futex_wake_wrong_type", cx_futex_wake(n, 0, 1, NULL), CX_E_WRONG_TYPE);
    EXPECT("futex_missing_right", cx_futex_wait(wo, 0, 0, 0), CX_E_NO_RIGHTS);
    EXPECT("futex_wake_missing_right", cx_futex_wake(wo, 0, 1, NULL), CX_E_NO_RIGHTS);
    EXPECT("futex_misaligned", cx_futex_wait(mem, 2, 0, 0), CX_E_INVALID_ARG);
    EXPECT("futex_out_of_range", cx_futex_wait(mem, FUTEX_PAGES * CX_PAGE_SIZE, 0, 0),
           CX_E_INVALID_ARG);
    EXPECT("futex_wake_out_of_range", cx_futex_wake(mem, ~3ul, 1, NULL), CX_E_INVALID_ARG);
    EXPECT("futex_addr_misaligned", cx_futex_wait(CX_SLOT_SELF_PD, FUTEX_VA + 1, 0, 0),
           CX_E_INVALID_ARG);
    EXPECT("futex_addr_unmapped", cx_futex_wait(CX_SLOT_SELF_PD, 0x10, 0, 0), CX_E_MAPPING);
    EXPECT("futex_wait_value_too_big", cx_raw_futex_wait(mem, 0, 1ul << 32, 0, 0, 0).err,
           CX_E_INVALID_ARG);

    /* the value check: an untouched page reads 0 */
    EXPECT("futex_untouched_reads_zero", cx_futex_wait(mem, CX_PAGE_SIZE + 8, 0, 0), CX_E_TIMEOUT);
    EXPECT("futex_untouched_mismatch", cx_futex_wait(mem, CX_PAGE_SIZE + 8, 1, 0), CX_E_CHANGED);
    words[0] = 5;
    EXPECT("futex_value_mismatch", cx_futex_wait(mem, 0, 4, CX_TIMEOUT_NONE), CX_E_CHANGED);
    EXPECT("futex_value_by_address", cx_futex_wait(CX_SLOT_SELF_PD, FUTEX_VA, 4, 0), CX_E_CHANGED);
    uint64_t t0 = cx_clock_ns();
    long err = cx_futex_wait(mem, 0, 5, 20000000);
    uint64_t dt = cx_clock_ns() - t0;
    kt_check("futex_timeout", err == CX_E_TIMEOUT && dt >= 19000000, "err %s after %lu ns",
             cx_strerror(err), dt);
    err = cx_futex_wake(mem, 0, 10, &woken);
    kt_check("futex_wake_nobody", err == 0 && woken == 0, "err %s woken %lu", cx_strerror(err),
             woken);

    /* three waiters on one word: the wake count is honoured */
    woke_count = 0;
    uint64_t th[3];
    for (int i = 0; i < 3; i++) {
        results[i] = 99;
        th[i] = kt_thread(CX_SLOT_SELF_PD, wait_mem_fn, (uint64_t)i | (32u << 8), stacks[i],
                          sizeof(stacks[i]), 0, 100, 0);
    }
    kt_sleep_ms(10);
    kt_check("futex_waiters_block", woke_count == 0, "%lu woke early", woke_count);
    err = cx_futex_wake(mem, 36, 3, &woken); /* another word: nobody */
    kt_check("futex_wake_other_word", err == 0 && woken == 0, "woken %lu", woken);
    err = cx_futex_wake(mem, 32, 2, &woken);
    kt_sleep_ms(5);
    kt_check("futex_wake_count", err == 0 && woken == 2 && woke_count == 2,
             "err %s woken %lu, %lu threads ran on", cx_strerror(err), woken, woke_count);
    err = cx_futex_wake(mem, 32, 5, &woken);
    kt_sleep_ms(5);
    kt_check("futex_wake_rest",
             err == 0 && woken == 1 && woke_count == 3 && results[0] == 0 && results[1] == 0 &&
                 results[2] == 0,
             "woken %lu, ran %lu, results %ld %ld %ld", woken, woke_count, results[0], results[1],
             results[2]);
    for (int i = 0; i < 3; i++)
        cx_cap_delete(th[i]);

    /* by address and by object: the same word */
    woke_count = 0;
    results[0] = 99;
    th[0] = kt_thread(CX_SLOT_SELF_PD, wait_addr_fn, 0, stacks[0], sizeof(stacks[0]), 0, 100, 0);
    kt_sleep_ms(10);
    err = cx_futex_wake(mem, 64, 1, &woken);
    kt_sleep_ms(5);
    kt_check("futex_address_meets_object", err == 0 && woken == 1 && results[0] == 0,
             "err %s woken %lu result %ld", cx_strerror(err), woken, results[0]);
    cx_cap_delete(th[0]);

    /* a waiter whose thread is deleted leaves the queue */
    th[0] = kt_thread(CX_SLOT_SELF_PD, wait_mem_fn, 0 | (40u << 8), stacks[0], sizeof(stacks[0]), 0,
                      100, 0);
    kt_sleep_ms(10);
    cx_cap_delete(th[0]);
    err = cx_futex_wake(mem, 40, 5, &woken);
    kt_check("futex_dead_waiter_gone", err == 0 && woken == 0, "woken %lu", woken);

    /* across domains: a copy of this domain maps the same object (CX_MAP_SHARE) */
    uint64_t pd = kt_slot(), t = kt_slot();
    words[1] = 0;
    words[32] = 7;
    cx_pd_create(CX_SLOT_QUOTA, pd, 64);
    EXPECT("futex_pd_copy", cx_raw_pd_copy_as(CX_SLOT_SELF_PD, pd, 0, 0, 0, 0).err, 0);
    cx_cap_copy(pd, pd, CX_SLOT_SELF_PD, CX_R_READ, 0);
    cx_thread_create(CX_SLOT_QUOTA, pd, t, 0, 100);
    static struct cx_regs r;
    cx_thread_regs(t, CX_REGS_GET, CX_CTX_CURRENT, &r);
    r.rip = (uint64_t)other_domain_fn;
    r.rsp = (uint64_t)stacks[1] + sizeof(stacks[1]) - 8;
    cx_thread_regs(t, CX_REGS_SET, CX_CTX_CURRENT, &r);
    cx_thread_resume(t);
    kt_sleep_ms(10);
    kt_check("futex_other_domain_blocks", words[1] == 0, "word %u", words[1]);
    err = cx_futex_wake(CX_SLOT_SELF_PD, FUTEX_VA + 128, 1, &woken);
    for (int i = 0; i < 100 && !words[1]; i++)
        kt_sleep_ms(2);
    kt_check("futex_cross_domain_wake", err == 0 && woken == 1 && words[1] == 1,
             "err %s woken %lu word %u", cx_strerror(err), woken, words[1]);
    EXPECT("futex_delete_blocked_domain", cx_cap_delete(pd), 0);
    cx_cap_delete(t);

    /* destroying the object wakes its waiters with CX_E_DEAD */
    uint64_t m2 = kt_slot();
    cx_mem_create(CX_SLOT_QUOTA, 1, m2);
    uint64_t saved = mem;
    mem = m2;
    results[0] = 99;
    woke_count = 0;
    th[0] = kt_thread(CX_SLOT_SELF_PD, wait_mem_fn, 0, stacks[0], sizeof(stacks[0]), 0, 100, 0);
    kt_sleep_ms(10);
    cx_cap_delete(m2);
    kt_sleep_ms(5);
    kt_check("futex_object_destroyed", woke_count == 1 && results[0] == CX_E_DEAD,
             "ran %lu result %s", woke_count, cx_strerror(results[0]));
    cx_cap_delete(th[0]);
    mem = saved;

    cx_cap_delete(wo);
    cx_cap_delete(n);
    cx_unmap(CX_SLOT_SELF_PD, FUTEX_VA, FUTEX_PAGES);
    cx_cap_delete(mem);
}

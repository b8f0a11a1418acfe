/*
 * ktest: threads, scheduling, notifications, faults and register access.
 */
#include <string.h>
#include "ktest.h"

static uint8_t stack_a[16384] __attribute__((aligned(16)));
static uint8_t stack_b[16384] __attribute__((aligned(16)));
static volatile uint64_t counter, got_bits, stage;
static uint64_t n_work, n_done;

void kt_sleep_ms(uint64_t ms)
{
    static uint64_t n;
    if (!n) {
        n = kt_slot();
        cx_notif_create(CX_SLOT_QUOTA, n);
    }
    cx_notif_wait(n, ms * 1000000, NULL);
}

uint64_t kt_thread(uint64_t pd, void (*fn)(uint64_t), uint64_t arg, void *stack, size_t size,
                   uint64_t fault_ep, uint64_t prio, uint64_t ipcbuf)
{
    static struct cx_regs r;
    uint64_t t = kt_slot();
    long err = cx_thread_create(CX_SLOT_QUOTA, pd, t, fault_ep, prio);
    if (err) {
        kt_check("thread_create", 0, "%s", cx_strerror(err));
        return 0;
    }
    cx_thread_regs(t, CX_REGS_GET, CX_CTX_CURRENT, &r);
    r.rip = (uint64_t)fn;
    r.rsp = ((uint64_t)stack + size) & ~15ul;
    r.rsp -= 8; /* as if called */
    r.rdi = arg;
    err = cx_thread_regs(t, CX_REGS_SET, CX_CTX_CURRENT, &r);
    if (!err && ipcbuf)
        err = cx_thread_config(t, CX_TCFG_IPCBUF, ipcbuf);
    if (!err)
        err = cx_thread_resume(t);
    if (err)
        kt_check("thread_start", 0, "%s", cx_strerror(err));
    return t;
}

static uint64_t never; /* a notification nobody signals, made before any helper thread */

/* Ends a helper thread of this domain: wait on a notification nobody signals. */
_Noreturn void kt_park(void)
{
    for (;;)
        cx_notif_wait(never, CX_TIMEOUT_NONE, NULL);
}

static void waiter_fn(uint64_t arg)
{
    uint64_t bits = 0;
    long err = cx_notif_wait(n_work, CX_TIMEOUT_NONE, &bits);
    got_bits = err ? 0xdead : bits;
    cx_notif_signal(n_done, 1);
    kt_park();
}

static void spin_fn(uint64_t arg)
{
    for (;;)
        counter++;
}

static void fault_fn(uint64_t arg)
{
    volatile uint64_t *volatile bad = (volatile uint64_t *)0x10;
    *bad = 1;   /* page fault */
    stage = 99; /* never reached */
    for (;;)
        ;
}

static void recovered_fn(uint64_t arg)
{
    volatile uint64_t zero = 0;
    stage = 2;
    stage = 10 / zero; /* divide error, reported next */
    for (;;)
        ;
}

void kt_threads(void)
{
    uint64_t bits;
    kt_sleep_ms(0);
    never = kt_slot();
    cx_notif_create(CX_SLOT_QUOTA, never);
    n_work = kt_slot();
    n_done = kt_slot();
    cx_notif_create(CX_SLOT_QUOTA, n_work);
    cx_notif_create(CX_SLOT_QUOTA, n_done);

    /* CPU time (thread_config CX_TCFG_CPU_TIME): it grows while the thread runs, not
       while it sleeps, and never faster than the clock */
    {
        uint64_t c0 = cx_raw_thread_config(CX_SLOT_SELF_THREAD, CX_TCFG_CPU_TIME, 0, 0, 0, 0).rsi;
        uint64_t w0 = cx_clock_ns();
        while (cx_clock_ns() - w0 < 20000000) {
        }
        uint64_t c1 = cx_raw_thread_config(CX_SLOT_SELF_THREAD, CX_TCFG_CPU_TIME, 0, 0, 0, 0).rsi;
        uint64_t w1 = cx_clock_ns();
        kt_check("cpu_time_runs", c1 - c0 >= 10000000 && c1 - c0 <= w1 - w0 + 1000000,
                 "%lu ns of CPU in %lu ns", c1 - c0, w1 - w0);
        kt_sleep_ms(30);
        uint64_t c2 = cx_raw_thread_config(CX_SLOT_SELF_THREAD, CX_TCFG_CPU_TIME, 0, 0, 0, 0).rsi;
        kt_check("cpu_time_sleeps", c2 - c1 < 10000000, "%lu ns of CPU while asleep", c2 - c1);
    }

    /* notification wake-up of a blocked thread */
    uint64_t t = kt_thread(CX_SLOT_SELF_PD, waiter_fn, 0, stack_a, sizeof(stack_a), 0, 100, 0);
    kt_sleep_ms(5);
    cx_notif_signal(n_work, 0x5);
    long err = cx_notif_wait(n_done, 1000000000ul, &bits);
    kt_check("notif_wakeup", err == 0 && got_bits == 0x5, "err %s bits %#lx", cx_strerror(err),
             got_bits);
    cx_cap_delete(t);

    uint64_t t0 = cx_clock_ns();
    err = cx_notif_wait(n_work, 20000000, &bits);
    uint64_t dt = cx_clock_ns() - t0;
    kt_check("notif_timeout", err == CX_E_TIMEOUT && dt >= 19000000, "err %s after %lu ns",
             cx_strerror(err), dt);
    EXPECT("notif_poll_empty", cx_notif_wait(n_work, 0, &bits), CX_E_WOULD_BLOCK);

    /* preemption: a same-priority spinner runs while we busy-wait, and we still run */
    counter = 0;
    t = kt_thread(CX_SLOT_SELF_PD, spin_fn, 0, stack_a, sizeof(stack_a), 0, 100, 0);
    t0 = cx_clock_ns();
    uint64_t loops = 0;
    while (cx_clock_ns() - t0 < 60000000)
        loops++;
    kt_check("preemption", counter > 0 && loops > 0, "spinner count %lu, our loops %lu", counter,
             loops);

    /* suspend and resume */
    EXPECT("thread_suspend", cx_thread_suspend(t), 0);
    uint64_t c1 = counter;
    kt_sleep_ms(20);
    kt_check("suspended_stays", counter == c1, "counter moved %lu -> %lu", c1, counter);
    static struct cx_regs r;
    EXPECT("regs_get", cx_thread_regs(t, CX_REGS_GET, CX_CTX_CURRENT, &r), 0);
    kt_check("regs_rip_in_spinner", r.rip >= (uint64_t)spin_fn && r.rip < (uint64_t)spin_fn + 64,
             "rip %#lx, spin_fn %p", r.rip, (void *)spin_fn);
    uint64_t good = r.rip;
    r.rip = 0x0000800000000000ul;
    EXPECT("noncanonical_rip_refused", cx_thread_regs(t, CX_REGS_SET, CX_CTX_CURRENT, &r),
           CX_E_INVALID_ARG);
    r.rip = 0xffff800000001000ul;
    EXPECT("kernel_half_rip_accepted", cx_thread_regs(t, CX_REGS_SET, CX_CTX_CURRENT, &r), 0);
    r.rip = good;
    r.rflags |= 0x3000 | 0x4000 | 0x40000; /* IOPL, NT, AC: must be cleared */
    EXPECT("regs_set", cx_thread_regs(t, CX_REGS_SET, CX_CTX_CURRENT, &r), 0);
    cx_thread_regs(t, CX_REGS_GET, CX_CTX_CURRENT, &r);
    kt_check("rflags_sanitized", !(r.rflags & (0x3000 | 0x4000 | 0x40000)) && (r.rflags & 0x200),
             "rflags %#lx", r.rflags);
    EXPECT("thread_resume", cx_thread_resume(t), 0);
    kt_sleep_ms(20);
    kt_check("resumed_runs", counter != c1, "counter stuck at %lu", counter);
    EXPECT("regs_set_running_refused", cx_thread_regs(t, CX_REGS_SET, CX_CTX_CURRENT, &r),
           CX_E_BUSY);
    EXPECT("priority_above_creator", cx_thread_config(t, CX_TCFG_PRIORITY, 250), CX_E_INVALID_ARG);
    EXPECT("create_above_creator",
           cx_thread_create(CX_SLOT_QUOTA, CX_SLOT_SELF_PD, kt_slot(), 0, 201), CX_E_INVALID_ARG);
    EXPECT("thread_delete", cx_cap_delete(t), 0);
    c1 = counter;
    kt_sleep_ms(20);
    kt_check("deleted_thread_stops", counter == c1, "counter moved");

    /* a thread that faults is reported to its handler, which fixes it and resumes it */
    uint64_t ep = kt_slot(), fep = kt_slot();
    cx_ep_create(CX_SLOT_QUOTA, ep);
    cx_cap_copy(ep, CX_SLOT_SELF_PD, fep, CX_R_WRITE, 77);
    stage = 0;
    t = kt_thread(CX_SLOT_SELF_PD, fault_fn, 0, stack_b, sizeof(stack_b), fep, 100, 0);
    struct cx_msg m;
    err = cx_recv(ep, 1000000000ul, &m);
    kt_check("fault_delivered",
             err == 0 && CX_TAG_LABEL(m.tag) == CX_LABEL_FAULT && m.badge == 77 && m.w[0] == 14 &&
                 m.w[2] == 0x10 && m.w[3] >= (uint64_t)fault_fn && m.w[3] < (uint64_t)fault_fn + 64,
             "err %s label %#lx badge %lu vector %lu addr %#lx rip %#lx", cx_strerror(err),
             CX_TAG_LABEL(m.tag), m.badge, m.w[0], m.w[2], m.w[3]);
    cx_thread_regs(t, CX_REGS_GET, CX_CTX_CURRENT, &r);
    r.rip = (uint64_t)recovered_fn;
    EXPECT("regs_set_faulted", cx_thread_regs(t, CX_REGS_SET, CX_CTX_CURRENT, &r), 0);
    m.tag = CX_TAG(CX_FAULT_RESUME, 0, 0);
    m.w[0] = m.w[1] = m.w[2] = m.w[3] = 0;
    err = cx_reply_recv(ep, &m); /* resumes it; it divides by zero next */
    kt_check("fault_resumed", err == 0 && stage == 2, "err %s stage %lu", cx_strerror(err),
             (uint64_t)stage);
    kt_check("divide_fault", CX_TAG_LABEL(m.tag) == CX_LABEL_FAULT && m.w[0] == 0 && m.badge == 77,
             "label %#lx vector %lu badge %lu", CX_TAG_LABEL(m.tag), m.w[0], m.badge);
    EXPECT("delete_faulted_thread", cx_cap_delete(t), 0);

    /* without a handler the kernel stops the thread and says so */
    t = kt_thread(CX_SLOT_SELF_PD, fault_fn, 0, stack_b, sizeof(stack_b), 0, 100, 0);
    kt_sleep_ms(5);
    cx_thread_regs(t, CX_REGS_GET, CX_CTX_CURRENT, &r);
    kt_check("fault_without_handler_stops",
             r.rip >= (uint64_t)fault_fn && r.rip < (uint64_t)fault_fn + 64 && stage == 2,
             "rip %#lx", r.rip);
    cx_cap_delete(t);
    cx_cap_delete(fep);
    cx_cap_delete(ep);
}

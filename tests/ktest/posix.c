/*
 * ktest: a POSIX domain. Its "program" makes a Linux-ABI syscall (reflected to the
 * runtime entry, answered with lx_return), executes ud2 (a fault reflected to the
 * entry, skipped with lx_resume), then spins without system calls until it is
 * redirected asynchronously; the runtime entry clobbers registers and resumes the
 * saved context. The program then checks every register, XMM included. A second
 * domain with a return sequence checks the probe window after it: a read of an
 * unmapped page there resumes after the window, registers kept.
 */
#include <string.h>
#include "ktest.h"

struct posix_shared {
    uint8_t xmm_pattern[256];
    uint8_t xmm_out[256];
    uint64_t gpr_out[6];
    volatile uint64_t spins, go, done, sys_result;
    volatile uint64_t redirects, faults, fault_vector, syscalls;
    volatile uint64_t probe_bad, probe_good, probe_rbx, probe_done;
    struct cx_regs regs;
};
_Static_assert(__builtin_offsetof(struct posix_shared, spins) == 560, "posix.S offsets");
_Static_assert(__builtin_offsetof(struct posix_shared, sys_result) == 584, "posix.S offsets");
_Static_assert(__builtin_offsetof(struct posix_shared, probe_bad) == 624, "posix.S offsets");

#define SHARED_VA 0x38000000ul
#define RT_SECTION __attribute__((section("rt_text"), used))

void posix_prog(uint64_t shared);
void probe_prog(uint64_t shared);
void kt_probe_sysret(void);
void rt_entry(void);
void rt_clobber_xmm(void);
void rt_main(uint64_t reason, uint64_t nr, uint64_t vector);
extern char __start_rt_text[], __stop_rt_text[];

static uint8_t prog_stack[8192] __attribute__((aligned(16)));
static uint8_t rt_stack[8192] __attribute__((aligned(16)));
static uint8_t probe_stack[4096] __attribute__((aligned(16)));

RT_SECTION void rt_main(uint64_t reason, uint64_t nr, uint64_t vector)
{
    struct posix_shared *s = (struct posix_shared *)SHARED_VA;
    if (reason == CX_RT_SYSCALL) {
        s->syscalls++;
        cx_raw_lx_return(nr + 1000, 0, 0, 0, 0, 0);
    } else if (reason == CX_RT_FAULT) {
        s->faults++;
        s->fault_vector = vector;
        cx_raw_thread_regs(CX_SLOT_SELF_THREAD, CX_REGS_GET, CX_CTX_SAVED, (uint64_t)&s->regs, 0,
                           0);
        s->regs.rip += 2; /* skip ud2 */
        cx_raw_lx_resume((uint64_t)&s->regs, 0, 0, 0, 0, 0);
    } else if (reason == CX_RT_REDIRECT) {
        s->redirects++;
        cx_raw_thread_regs(CX_SLOT_SELF_THREAD, CX_REGS_GET, CX_CTX_SAVED, (uint64_t)&s->regs, 0,
                           0);
        rt_clobber_xmm();
        cx_raw_lx_resume((uint64_t)&s->regs, 0, 0, 0, 0, 0);
    }
    for (;;)
        ;
}

/* The probe window (docs/kernel-abi.md): a domain whose return sequence is
 * kt_probe_sysret; its program calls kt_probe_touch, in the window, on an unmapped
 * address and on a mapped one. */
static void kt_posix_probe(struct posix_shared *s)
{
    uint64_t pd = kt_slot(), t = kt_slot();
    uint64_t lo = (uint64_t)__start_rt_text, hi = (uint64_t)__stop_rt_text;
    uint64_t ret = (uint64_t)kt_probe_sysret;
    cx_pd_create(CX_SLOT_QUOTA, pd, 64);
    EXPECT("pd_set_runtime_probe",
           cx_raw_pd_set_runtime(pd, (uint64_t)rt_entry, lo, hi, ret, ret).err, 0);
    EXPECT("pd_copy_probe", cx_raw_pd_copy_as(CX_SLOT_SELF_PD, pd, 0, 0, 0, 0).err, 0);
    cx_thread_create(CX_SLOT_QUOTA, pd, t, 0, 50);
    static struct cx_regs r;
    cx_thread_regs(t, CX_REGS_GET, CX_CTX_CURRENT, &r);
    r.rip = (uint64_t)probe_prog;
    r.rsp = (uint64_t)probe_stack + sizeof(probe_stack) - 8;
    r.rdi = SHARED_VA;
    cx_thread_regs(t, CX_REGS_SET, CX_CTX_CURRENT, &r);
    EXPECT("probe_start", cx_thread_resume(t), 0);
    for (int i = 0; i < 200 && !s->probe_done; i++)
        kt_sleep_ms(5);
    kt_check("probe_window_fault_resumes", s->probe_done && s->probe_bad == 1,
             "done %lu, unmapped read gave %lu", s->probe_done, s->probe_bad);
    kt_check("probe_window_no_fault", s->probe_good == 2, "mapped read gave %lu", s->probe_good);
    kt_check("probe_window_registers", s->probe_rbx == 0x1515151515151515ul, "rbx %#lx",
             s->probe_rbx);
    cx_cap_delete(t);
    cx_cap_delete(pd);
}

void kt_posix(void)
{
    uint64_t m = kt_slot(), pd = kt_slot(), t;
    cx_mem_create(CX_SLOT_QUOTA, 2, m);
    EXPECT("map_shared",
           cx_map(CX_SLOT_SELF_PD, m, 0, SHARED_VA, 2, CX_MAP_R | CX_MAP_W | CX_MAP_SHARE), 0);
    struct posix_shared *s = (struct posix_shared *)SHARED_VA;
    for (int i = 0; i < 256; i++)
        s->xmm_pattern[i] = (uint8_t)(i * 7 + 3);
    EXPECT("lx_return_outside_runtime", cx_raw_lx_return(0, 0, 0, 0, 0, 0).err, CX_E_NOT_POSIX);
    EXPECT("redirect_native_thread", cx_thread_redirect(CX_SLOT_SELF_THREAD), CX_E_NOT_POSIX);

    cx_pd_create(CX_SLOT_QUOTA, pd, 64);
    EXPECT("pd_set_runtime_bad_range",
           cx_raw_pd_set_runtime(pd, (uint64_t)rt_entry, 0x5000, 0x4000, 0, 0).err,
           CX_E_INVALID_ARG);
    /* the direct entry and return sequence: both inside the code, or neither */
    uint64_t lo = (uint64_t)__start_rt_text, hi = (uint64_t)__stop_rt_text;
    EXPECT("pd_set_runtime_sysentry_outside",
           cx_raw_pd_set_runtime(pd, (uint64_t)rt_entry, lo, hi, hi, lo).err, CX_E_INVALID_ARG);
    EXPECT("pd_set_runtime_sysret_past_code",
           cx_raw_pd_set_runtime(pd, (uint64_t)rt_entry, lo, hi, lo, hi - CX_RT_SYSRET_LEN + 1).err,
           CX_E_INVALID_ARG);
    EXPECT("pd_set_runtime_sysret_wraps",
           cx_raw_pd_set_runtime(pd, (uint64_t)rt_entry, lo, hi, lo, UINT64_MAX - 8).err,
           CX_E_INVALID_ARG);
    EXPECT("pd_set_runtime_sysentry_alone",
           cx_raw_pd_set_runtime(pd, (uint64_t)rt_entry, lo, hi, lo, 0).err, CX_E_INVALID_ARG);
    EXPECT("pd_set_runtime_sysret_alone",
           cx_raw_pd_set_runtime(pd, (uint64_t)rt_entry, lo, hi, 0, lo).err, CX_E_INVALID_ARG);
    EXPECT("pd_set_runtime",
           cx_raw_pd_set_runtime(pd, (uint64_t)rt_entry, (uint64_t)__start_rt_text,
                                 (uint64_t)__stop_rt_text, 0, 0)
               .err,
           0);
    EXPECT("pd_copy_posix", cx_raw_pd_copy_as(CX_SLOT_SELF_PD, pd, 0, 0, 0, 0).err, 0);
    t = kt_slot();
    cx_thread_create(CX_SLOT_QUOTA, pd, t, 0, 50);
    cx_cap_copy(t, pd, CX_SLOT_SELF_THREAD, CX_R_ALL, 0);
    cx_cap_copy(CX_SLOT_LOG, pd, CX_SLOT_LOG, CX_R_WRITE, 0);
    EXPECT("rt_stack", cx_thread_config(t, CX_TCFG_RT_STACK, (uint64_t)rt_stack + sizeof(rt_stack)),
           0);
    static struct cx_regs r;
    cx_thread_regs(t, CX_REGS_GET, CX_CTX_CURRENT, &r);
    r.rip = (uint64_t)posix_prog;
    r.rsp = (uint64_t)prog_stack + sizeof(prog_stack) - 8;
    r.rdi = SHARED_VA;
    cx_thread_regs(t, CX_REGS_SET, CX_CTX_CURRENT, &r);
    EXPECT("posix_start", cx_thread_resume(t), 0);
    for (int i = 0; i < 200 && s->spins == 0; i++)
        kt_sleep_ms(5);
    kt_check("linux_syscall_reflected", s->syscalls == 1 && s->sys_result == 1039,
             "%lu reflected calls, result %lu", s->syscalls, s->sys_result);
    kt_check("fault_reflected", s->faults == 1 && s->fault_vector == 6, "%lu faults, vector %lu",
             s->faults, s->fault_vector);
    uint64_t spins = s->spins;
    kt_check("program_runs", spins > 0, "no spins");
    EXPECT("redirect", cx_thread_redirect(t), 0);
    for (int i = 0; i < 200 && (s->redirects == 0 || s->spins <= spins); i++)
        kt_sleep_ms(5);
    kt_check("redirect_entered_runtime", s->redirects == 1, "%lu redirects", s->redirects);
    kt_check("program_resumed", s->spins > spins, "spins %lu -> %lu", spins, s->spins);
    s->go = 1;
    for (int i = 0; i < 200 && !s->done; i++)
        kt_sleep_ms(5);
    kt_check("program_finished", s->done == 1, "not done");
    kt_check("xmm_intact", !memcmp(s->xmm_out, s->xmm_pattern, 256), "XMM registers changed");
    kt_check("gprs_intact",
             s->gpr_out[0] == 0x1111111111111111ul && s->gpr_out[1] == 0x1212121212121212ul &&
                 s->gpr_out[2] == 0x1313131313131313ul && s->gpr_out[3] == 0x1414141414141414ul &&
                 s->gpr_out[4] == 0x0b0b0b0b0b0b0b0bul && s->gpr_out[5] == SHARED_VA,
             "rbx %#lx r12 %#lx r13 %#lx r14 %#lx rbp %#lx r15 %#lx", s->gpr_out[0], s->gpr_out[1],
             s->gpr_out[2], s->gpr_out[3], s->gpr_out[4], s->gpr_out[5]);
    cx_cap_delete(t);
    cx_cap_delete(pd);
    kt_posix_probe(s);
    cx_unmap(CX_SLOT_SELF_PD, SHARED_VA, 2);
    cx_cap_delete(m);
}

/*
 * ktest: mappings without access (map or protect with none of CX_MAP_R/W/X, Linux's
 * PROT_NONE; docs/kernel-abi.md "Address spaces"). The range stays mapped and keeps its
 * memory, but every touch faults, reported as a protection violation (CX_PF_PRESENT),
 * the kernel's own copies refuse it, pd_resident marks it, a copy of the domain keeps it closed,
 * and protect back to read-write finds the bytes unchanged. Also the ranges a hostile caller tries.
 */
#include <capix/capix.h>
#include "ktest.h"

#define NA_VA 0x5b00000000ul
#define NA_ALIAS_VA 0x5b00100000ul
#define NA_REPORT_VA 0x5b00200000ul

static uint8_t toucher_stack[8192] __attribute__((aligned(16)));
static volatile uint64_t *const na = (volatile uint64_t *)NA_VA;
static volatile uint64_t *const report = (volatile uint64_t *)NA_REPORT_VA;

/* Reads (arg 0) or writes (arg 1) the first page of NA_VA, then says it got through. */
static void toucher_fn(uint64_t arg)
{
    if (arg)
        na[1] = 0x5555;
    else
        report[1] = na[1];
    report[0] = 1;
    kt_park();
}

/* Starts toucher_fn(write) in pd with a fault endpoint and checks that its touch of
 * NA_VA arrives there as a protection violation, never getting through. */
static void expect_fault(const char *name, uint64_t pd, uint64_t write)
{
    uint64_t ep = kt_slot(), fep = kt_slot();
    cx_ep_create(CX_SLOT_QUOTA, ep);
    cx_cap_copy(ep, CX_SLOT_SELF_PD, fep, CX_R_WRITE, 5);
    report[0] = 0;
    uint64_t t =
        kt_thread(pd, toucher_fn, write, toucher_stack, sizeof(toucher_stack), fep, 100, 0);
    struct cx_msg m;
    long err = cx_recv(ep, 1000000000ul, &m);
    uint64_t want = CX_PF_PRESENT | (write ? CX_PF_WRITE : 0);
    kt_check(name,
             err == 0 && CX_TAG_LABEL(m.tag) == CX_LABEL_FAULT && m.w[CX_FW_VECTOR] == CX_VEC_PF &&
                 (m.w[CX_FW_ERROR] & (CX_PF_PRESENT | CX_PF_WRITE)) == want &&
                 m.w[CX_FW_ADDR] == NA_VA + 8 && report[0] == 0,
             "err %s label %#lx vector %lu error %#lx addr %#lx through %lu", cx_strerror(err),
             CX_TAG_LABEL(m.tag), m.w[CX_FW_VECTOR], m.w[CX_FW_ERROR], m.w[CX_FW_ADDR], report[0]);
    cx_cap_delete(t);
    cx_cap_delete(fep);
    cx_cap_delete(ep);
}

void kt_noaccess(void)
{
    uint64_t m = kt_slot(), rm = kt_slot(), pd = kt_slot();
    cx_mem_create(CX_SLOT_QUOTA, 4, m);
    cx_mem_create(CX_SLOT_QUOTA, 1, rm);
    cx_map(CX_SLOT_SELF_PD, rm, 0, NA_REPORT_VA, 1, CX_MAP_R | CX_MAP_W | CX_MAP_SHARE);
    EXPECT("noaccess_map_rw", cx_map(CX_SLOT_SELF_PD, m, 0, NA_VA, 4, CX_MAP_R | CX_MAP_W), 0);
    na[1] = 0xabcd;
    na[512 + 1] = 0xef01;

    /* the first page only: the region is split, the rest stays read-write */
    EXPECT("noaccess_protect_none", cx_protect(CX_SLOT_SELF_PD, NA_VA, 1, 0), 0);
    kt_check("noaccess_rest_stays", na[512 + 1] == 0xef01, "read %#lx", na[512 + 1]);
    na[512 + 2] = 7;
    expect_fault("noaccess_read_faults", CX_SLOT_SELF_PD, 0);
    expect_fault("noaccess_write_faults", CX_SLOT_SELF_PD, 1);
    EXPECT("noaccess_kernel_read_refused", cx_log_write(CX_SLOT_LOG, (void *)(NA_VA + 8), 4),
           CX_E_BAD_ADDRESS);
    EXPECT(
        "noaccess_kernel_write_refused",
        cx_thread_regs(CX_SLOT_SELF_THREAD, CX_REGS_GET, CX_CTX_CURRENT, (struct cx_regs *)NA_VA),
        CX_E_BAD_ADDRESS);

    static uint8_t vec[3];
    long err = cx_raw_pd_resident(CX_SLOT_SELF_PD, NA_VA, 3, (uint64_t)vec, 0, 0).err;
    kt_check("noaccess_resident_says",
             err == 0 && vec[0] == (1 | CX_RESIDENT_NOACCESS) && vec[1] == 1 && vec[2] == 0,
             "%s: %u %u %u", cx_strerror(err), vec[0], vec[1], vec[2]);

    /* a copy of the domain (fork) keeps the range closed */
    cx_pd_create(CX_SLOT_QUOTA, pd, 64);
    EXPECT("noaccess_copy", cx_raw_pd_copy_as(CX_SLOT_SELF_PD, pd, 0, 0, 0, 0).err, 0);
    expect_fault("noaccess_copy_faults", pd, 0);
    cx_cap_delete(pd);

    /* the hostile ranges: wrapping, past the user half, a hole, unknown flags */
    EXPECT("noaccess_protect_wraps", cx_protect(CX_SLOT_SELF_PD, NA_VA, 1ul << 52, 0),
           CX_E_INVALID_ARG);
    EXPECT("noaccess_protect_past_user_top",
           cx_protect(CX_SLOT_SELF_PD, CX_USER_TOP - CX_PAGE_SIZE, 2, 0), CX_E_INVALID_ARG);
    EXPECT("noaccess_protect_kernel_half", cx_protect(CX_SLOT_SELF_PD, 0xffff800000000000ul, 1, 0),
           CX_E_INVALID_ARG);
    EXPECT("noaccess_protect_zero_pages", cx_protect(CX_SLOT_SELF_PD, NA_VA, 0, 0),
           CX_E_INVALID_ARG);
    EXPECT("noaccess_protect_hole", cx_protect(CX_SLOT_SELF_PD, NA_VA, 5, 0), CX_E_MAPPING);
    EXPECT("noaccess_protect_unknown_flag", cx_protect(CX_SLOT_SELF_PD, NA_VA, 1, 0x08),
           CX_E_INVALID_ARG);
    kt_check("noaccess_refused_changed_nothing", na[512 + 2] == 7, "read %#lx", na[512 + 2]);

    /* back to read-write: the bytes are there; and over a range that spans both parts */
    EXPECT("noaccess_protect_back", cx_protect(CX_SLOT_SELF_PD, NA_VA, 2, CX_MAP_R | CX_MAP_W), 0);
    kt_check("noaccess_contents_kept", na[1] == 0xabcd && na[512 + 1] == 0xef01, "read %#lx %#lx",
             na[1], na[512 + 1]);

    /* write alone implies read (x86); a map without access of a second view */
    EXPECT("noaccess_write_implies_read", cx_protect(CX_SLOT_SELF_PD, NA_VA, 1, CX_MAP_W), 0);
    kt_check("noaccess_write_only_reads", na[1] == 0xabcd, "read %#lx", na[1]);
    EXPECT("noaccess_map_none", cx_map(CX_SLOT_SELF_PD, m, 0, NA_ALIAS_VA, 1, CX_MAP_SHARE), 0);
    EXPECT("noaccess_map_none_kernel_refused",
           cx_log_write(CX_SLOT_LOG, (void *)(NA_ALIAS_VA + 8), 4), CX_E_BAD_ADDRESS);
    EXPECT("noaccess_map_none_opened", cx_protect(CX_SLOT_SELF_PD, NA_ALIAS_VA, 1, CX_MAP_R), 0);
    kt_check("noaccess_alias_sees", *(volatile uint64_t *)(NA_ALIAS_VA + 8) == 0xabcd, "read %#lx",
             *(volatile uint64_t *)(NA_ALIAS_VA + 8));

    cx_unmap(CX_SLOT_SELF_PD, NA_ALIAS_VA, 1);
    cx_unmap(CX_SLOT_SELF_PD, NA_VA, 4);
    cx_unmap(CX_SLOT_SELF_PD, NA_REPORT_VA, 1);
    cx_cap_delete(m);
    cx_cap_delete(rm);
}

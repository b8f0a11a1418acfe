/*
 * ktest: user-level tests of every kernel object and system call, including the error
 * cases. Runs as a component started by init (scenario `kernel`); prints one
 * `PASS name` or `FAIL name: reason` line per case. Second domains are made with
 * pd_copy_as (a copy of this program's address space), so the same code runs there.
 */
#include <capix/capix.h>
#include <string.h>
#include "ktest.h"

unsigned kt_failed, kt_passed;

void kt_check(const char *name, int ok, const char *fmt, ...)
{
    char why[200] = "";
    if (!ok && fmt) {
        va_list ap;
        va_start(ap, fmt);
        cx_vsnprintf(why, sizeof(why), fmt, ap);
        va_end(ap);
    }
    if (ok) {
        kt_passed++;
        cx_printf("PASS %s\n", name);
    } else {
        kt_failed++;
        cx_printf("FAIL %s: %s\n", name, why);
    }
}

uint64_t kt_slot(void)
{
    return cx_slot_alloc();
}

static uint64_t quota_used(uint64_t q)
{
    return cx_raw_quota_info(q, 0, 0, 0, 0, 0).rdi;
}

/* ---- capabilities ---- */

static void test_caps(void)
{
    struct cx_ret r = cx_raw_cap_info(CX_SLOT_SELF_PD, 0, 0, 0, 0, 0);
    kt_check("cap_info_self", r.err == 0 && r.rsi == CX_T_PD && r.rdi == CX_R_ALL,
             "err %ld type %lu rights %lu", r.err, r.rsi, r.rdi);
    EXPECT("invalid_slot", cx_raw_cap_info(1u << 30, 0, 0, 0, 0, 0).err, CX_E_INVALID_SLOT);
    EXPECT("slot_zero_invalid", cx_raw_cap_info(0, 0, 0, 0, 0, 0).err, CX_E_INVALID_SLOT);
    uint64_t s = kt_slot();
    EXPECT("empty_slot", cx_raw_cap_info(s, 0, 0, 0, 0, 0).err, CX_E_EMPTY_SLOT);
    EXPECT("bad_syscall_number", cx_syscall(999, 0, 0, 0, 0, 0, 0).err, CX_E_INVALID_CALL);

    uint64_t ep = kt_slot(), n = kt_slot();
    EXPECT("ep_create", cx_ep_create(CX_SLOT_QUOTA, ep), 0);
    EXPECT("notif_create", cx_notif_create(CX_SLOT_QUOTA, n), 0);
    EXPECT("create_into_used_slot", cx_ep_create(CX_SLOT_QUOTA, ep), CX_E_SLOT_IN_USE);
    EXPECT("wrong_type", cx_notif_signal(ep, 1), CX_E_WRONG_TYPE);
    EXPECT("quota_wrong_type", cx_ep_create(ep, s), CX_E_WRONG_TYPE);

    /* derive with fewer rights */
    uint64_t ro = kt_slot();
    EXPECT("derive_read_only", cx_cap_copy(n, CX_SLOT_SELF_PD, ro, CX_R_READ, 0), 0);
    EXPECT("missing_right", cx_notif_signal(ro, 1), CX_E_NO_RIGHTS);
    r = cx_raw_cap_info(ro, 0, 0, 0, 0, 0);
    kt_check("derived_rights", r.rdi == CX_R_READ && !(r.r10 & CX_CAPF_ORIGINAL),
             "rights %lu flags %lu", r.rdi, r.r10);
    /* rights never grow */
    uint64_t ro2 = kt_slot();
    EXPECT("derive_from_derived", cx_cap_copy(ro, CX_SLOT_SELF_PD, ro2, CX_R_ALL, 0), 0);
    r = cx_raw_cap_info(ro2, 0, 0, 0, 0, 0);
    kt_check("rights_never_grow", r.rdi == CX_R_READ, "rights %lu", r.rdi);

    /* badges */
    uint64_t b = kt_slot(), b2 = kt_slot();
    EXPECT("derive_badged", cx_cap_copy(n, CX_SLOT_SELF_PD, b, CX_R_ALL, 0x40), 0);
    EXPECT("rebadge_refused", cx_cap_copy(b, CX_SLOT_SELF_PD, b2, CX_R_ALL, 0x80),
           CX_E_INVALID_ARG);
    EXPECT("badge_on_pd_refused", cx_cap_copy(CX_SLOT_SELF_PD, CX_SLOT_SELF_PD, b2, CX_R_ALL, 5),
           CX_E_INVALID_ARG);
    cx_notif_signal(b, 0x1);
    uint64_t bits = 0;
    EXPECT("notif_poll_badged", cx_notif_wait(n, 0, &bits), 0);
    kt_check("badge_delivered", bits == 0x41, "bits %#lx", bits);

    /* move keeps the derivation tree */
    uint64_t mv = kt_slot();
    EXPECT("cap_move", cx_cap_move(b, CX_SLOT_SELF_PD, mv), 0);
    EXPECT("moved_from_is_empty", cx_raw_cap_info(b, 0, 0, 0, 0, 0).err, CX_E_EMPTY_SLOT);
    /* a domain's original cannot be hidden in its own capability space, where nothing
     * could delete it (found by tests/hostile: the domain's memory stayed charged) */
    uint64_t inner = kt_slot(), inner2 = kt_slot();
    cx_pd_create(CX_SLOT_QUOTA, inner, 16);
    cx_pd_create(CX_SLOT_QUOTA, inner2, 16);
    EXPECT("pd_original_into_itself", cx_cap_move(inner, inner, 5), CX_E_INVALID_ARG);
    EXPECT("pd_original_into_other_pd", cx_cap_move(inner, inner2, 5), CX_E_INVALID_ARG);
    EXPECT("pd_copy_into_itself", cx_cap_copy(inner, inner, 5, CX_R_ALL, 0), 0);
    uint64_t inner_mv = kt_slot();
    EXPECT("pd_original_within_own_space", cx_cap_move(inner, CX_SLOT_SELF_PD, inner_mv), 0);
    cx_cap_delete(inner_mv);
    cx_cap_delete(inner2);

    /* revoke: every derived copy disappears, the original stays */
    EXPECT("revoke", cx_cap_revoke(n), 0);
    EXPECT("revoked_copy_gone", cx_raw_cap_info(ro, 0, 0, 0, 0, 0).err, CX_E_EMPTY_SLOT);
    EXPECT("revoked_grandchild_gone", cx_raw_cap_info(ro2, 0, 0, 0, 0, 0).err, CX_E_EMPTY_SLOT);
    EXPECT("revoked_moved_gone", cx_raw_cap_info(mv, 0, 0, 0, 0, 0).err, CX_E_EMPTY_SLOT);
    EXPECT("revoked_use_fails", cx_notif_signal(ro, 1), CX_E_EMPTY_SLOT);
    EXPECT("original_survives_revoke", cx_notif_signal(n, 1), 0);

    /* deleting the original destroys the object; copies go with it */
    uint64_t c1 = kt_slot();
    cx_cap_copy(ep, CX_SLOT_SELF_PD, c1, CX_R_ALL, 0);
    EXPECT("delete_original", cx_cap_delete(ep), 0);
    EXPECT("copy_of_deleted_gone", cx_raw_cap_info(c1, 0, 0, 0, 0, 0).err, CX_E_EMPTY_SLOT);
    EXPECT("delete_empty", cx_cap_delete(ep), CX_E_EMPTY_SLOT);

    /* a domain's creator takes a capability back from it (cap_delete with a PD) */
    uint64_t pd = kt_slot(), ro_pd = kt_slot();
    EXPECT("delete_in_pd_create", cx_pd_create(CX_SLOT_QUOTA, pd, 16), 0);
    EXPECT("delete_in_pd_give", cx_cap_copy(n, pd, 5, CX_R_ALL, 0), 0);
    cx_cap_copy(pd, CX_SLOT_SELF_PD, ro_pd, CX_R_READ, 0);
    EXPECT("delete_in_pd_needs_write", cx_cap_delete_in(ro_pd, 5), CX_E_NO_RIGHTS);
    EXPECT("delete_in_pd_not_a_pd", cx_cap_delete_in(n, 5), CX_E_WRONG_TYPE);
    EXPECT("delete_in_pd_bad_slot", cx_cap_delete_in(pd, 1u << 30), CX_E_INVALID_SLOT);
    EXPECT("delete_in_pd", cx_cap_delete_in(pd, 5), 0);
    EXPECT("delete_in_pd_gone", cx_cap_delete_in(pd, 5), CX_E_EMPTY_SLOT);
    EXPECT("delete_in_pd_original_stays", cx_notif_signal(n, 1), 0);
    cx_cap_delete(ro_pd);
    cx_cap_delete(pd);
    cx_cap_delete(n);
}

/* ---- quotas ---- */

static void test_quota(void)
{
    uint64_t before = quota_used(CX_SLOT_QUOTA);
    uint64_t q = kt_slot();
    EXPECT("quota_create", cx_quota_create(CX_SLOT_QUOTA, 64 * 1024, q), 0);
    struct cx_ret r = cx_raw_quota_info(q, 0, 0, 0, 0, 0);
    kt_check("quota_info", r.err == 0 && r.rsi == 64 * 1024 && r.rdi == 0, "limit %lu used %lu",
             r.rsi, r.rdi);
    EXPECT("quota_too_big", cx_quota_create(q, 1ul << 40, kt_slot()), CX_E_NO_QUOTA);
    uint64_t objs[256];
    unsigned n = 0;
    long err = 0;
    while (n < 256) {
        objs[n] = kt_slot();
        err = cx_mem_create(q, 1, objs[n]);
        if (err)
            break;
        n++;
    }
    kt_check("quota_exhausted", err == CX_E_NO_QUOTA && n > 5, "after %u objects: %s", n,
             cx_strerror(err));
    EXPECT("mem_over_quota", cx_mem_create(q, 1000, kt_slot()), CX_E_NO_QUOTA);
    /* the parent is unaffected */
    uint64_t other = kt_slot();
    EXPECT("others_unaffected", cx_ep_create(CX_SLOT_QUOTA, other), 0);
    cx_cap_delete(other);
    for (unsigned i = 0; i <= n && i < 256; i++) {
        cx_cap_delete(objs[i]);
        cx_slot_free(objs[i]);
    }
    r = cx_raw_quota_info(q, 0, 0, 0, 0, 0);
    kt_check("quota_back_to_zero", r.rdi == 0, "used %lu after freeing", r.rdi);
    EXPECT("quota_delete", cx_cap_delete(q), 0);
    uint64_t after = quota_used(CX_SLOT_QUOTA);
    kt_check("parent_quota_exact", after == before, "used %lu before, %lu after", before, after);
}

/* ---- memory, pointers, registers ---- */

static void test_memory(void)
{
    uint64_t m = kt_slot();
    const uint64_t va = 0x30000000;
    EXPECT("mem_create", cx_mem_create(CX_SLOT_QUOTA, 4, m), 0);
    EXPECT("mem_create_zero_pages", cx_mem_create(CX_SLOT_QUOTA, 0, kt_slot()), CX_E_INVALID_ARG);
    EXPECT("map", cx_map(CX_SLOT_SELF_PD, m, 0, va, 4, CX_MAP_R | CX_MAP_W), 0);
    EXPECT("map_overlap", cx_map(CX_SLOT_SELF_PD, m, 0, va + 4096, 1, CX_MAP_R), CX_E_MAPPING);
    EXPECT("map_unaligned", cx_map(CX_SLOT_SELF_PD, m, 0, va + 1, 1, CX_MAP_R), CX_E_INVALID_ARG);
    EXPECT("map_beyond_object", cx_map(CX_SLOT_SELF_PD, m, 3, 0x31000000, 2, CX_MAP_R),
           CX_E_INVALID_ARG);
    EXPECT("map_kernel_half", cx_map(CX_SLOT_SELF_PD, m, 0, 0xffff800000000000ul, 1, CX_MAP_R),
           CX_E_INVALID_ARG);
    volatile uint64_t *p = (volatile uint64_t *)va;
    int zero = 1;
    for (int i = 0; i < 4 * 512; i++)
        if (p[i])
            zero = 0;
    kt_check("zero_filled", zero, "fresh memory is not zero");
    p[0] = 0x1234;
    p[1024] = 0x5678;
    /* a second mapping of the same object sees the same bytes */
    EXPECT("map_twice", cx_map(CX_SLOT_SELF_PD, m, 0, 0x31000000, 4, CX_MAP_R), 0);
    volatile uint64_t *q = (volatile uint64_t *)0x31000000;
    kt_check("shared_mapping", q[0] == 0x1234 && q[1024] == 0x5678, "read %#lx %#lx", q[0],
             q[1024]);
    uint64_t ro = kt_slot();
    cx_cap_copy(m, CX_SLOT_SELF_PD, ro, CX_R_READ, 0);
    EXPECT("map_writable_without_right", cx_map(CX_SLOT_SELF_PD, ro, 0, 0x32000000, 1, CX_MAP_W),
           CX_E_NO_RIGHTS);
    EXPECT("protect", cx_protect(CX_SLOT_SELF_PD, 0x31000000, 1, CX_MAP_R | CX_MAP_X), 0);
    EXPECT("map_read_only", cx_map(CX_SLOT_SELF_PD, ro, 0, 0x32000000, 1, CX_MAP_R), 0);
    EXPECT("protect_upgrade_refused", cx_protect(CX_SLOT_SELF_PD, 0x32000000, 1, CX_MAP_W),
           CX_E_NO_RIGHTS);
    EXPECT("protect_hole_refused", cx_protect(CX_SLOT_SELF_PD, 0x32000000, 2, CX_MAP_R),
           CX_E_MAPPING);
    cx_unmap(CX_SLOT_SELF_PD, 0x32000000, 1);
    EXPECT("unmap_partial", cx_unmap(CX_SLOT_SELF_PD, va + 4096, 1), 0);
    EXPECT("map_into_hole", cx_map(CX_SLOT_SELF_PD, m, 1, va + 4096, 1, CX_MAP_R), 0);
    kt_check("hole_remapped", p[512] == 0 && p[1024] == 0x5678, "read %#lx", p[1024]);

    /* bad pointers */
    EXPECT("bad_pointer_unmapped", cx_log_write(CX_SLOT_LOG, (void *)0x1000, 10), CX_E_BAD_ADDRESS);
    EXPECT("bad_pointer_kernel", cx_log_write(CX_SLOT_LOG, (void *)0xffffffff80100000ul, 10),
           CX_E_BAD_ADDRESS);
    EXPECT("bad_pointer_wraps", cx_log_write(CX_SLOT_LOG, (void *)0x7ffffffff000ul, 1ul << 20),
           CX_E_BAD_ADDRESS);
    EXPECT("bad_pointer_readonly_out",
           cx_thread_regs(CX_SLOT_SELF_THREAD, CX_REGS_GET, CX_CTX_CURRENT,
                          (struct cx_regs *)0x31000000),
           CX_E_BAD_ADDRESS);
    cx_unmap(CX_SLOT_SELF_PD, va, 4);
    cx_unmap(CX_SLOT_SELF_PD, 0x31000000, 4);
    EXPECT("mem_delete", cx_cap_delete(m), 0);
    EXPECT("io_outside_range", cx_io_out(cx_named_cap("io"), 0x80, 1, 0), CX_E_NO_RIGHTS);
    uint64_t v = 0;
    cx_io_out(cx_named_cap("io"), 0x3ff, 1, 0xa5); /* COM1 scratch register */
    cx_io_in(cx_named_cap("io"), 0x3ff, 1, &v);
    kt_check("io_in_range", v == 0xa5, "scratch register read %#lx", v);
    EXPECT("io_bad_width", cx_io_out(cx_named_cap("io"), 0x3ff, 3, 0), CX_E_INVALID_ARG);
}

/* ---- interrupts: COM1's transmitter-empty interrupt (GSI 4) ---- */

static void test_irq(void)
{
    uint64_t irq = cx_named_cap("irq"), io = cx_named_cap("io"), n = kt_slot(), bits = 0;
    cx_notif_create(CX_SLOT_QUOTA, n);
    EXPECT("irq_ack_unbound", cx_raw_irq_ack(irq, 0, 0, 0, 0, 0).err, CX_E_INVALID_ARG);
    EXPECT("irq_bind_wrong_type", cx_raw_irq_bind(n, n, 1, 0, 0, 0).err, CX_E_WRONG_TYPE);
    EXPECT("irq_bind", cx_raw_irq_bind(irq, n, 0x10, 0, 0, 0).err, 0);
    cx_io_out(io, 0x3fc, 1, 0x0b); /* MCR: DTR, RTS, OUT2 (gates the IRQ line) */
    cx_io_out(io, 0x3f9, 1, 0x02); /* IER: transmitter holding register empty */
    long err = cx_notif_wait(n, 1000000000ul, &bits);
    cx_io_out(io, 0x3f9, 1, 0x00);
    uint64_t iir = 0;
    cx_io_in(io, 0x3fa, 1, &iir); /* reading IIR clears the THRE condition */
    cx_io_out(io, 0x3fc, 1, 0x03);
    kt_check("irq_delivered", err == 0 && bits == 0x10, "err %s bits %#lx", cx_strerror(err), bits);
    EXPECT("irq_ack", cx_raw_irq_ack(irq, 0, 0, 0, 0, 0).err, 0);
    cx_cap_delete(n);
}

static unsigned long parse_count(const char *s)
{
    unsigned long n = 0;
    while (*s >= '0' && *s <= '9' && n < 1000000)
        n = n * 10 + (unsigned long)(*s++ - '0');
    return n;
}

/* `ktest attacks N`: only the directed attacks, N rounds (make fuzz's kernel-attacks-long);
 * what each round used must be back after it, so the rounds must all pass alike. */
static int attack_rounds(unsigned long n)
{
    uint64_t t0 = cx_clock_ns();
    kt_attacks(); /* the first round also makes what this program keeps (its sleep notif) */
    uint64_t used0 = quota_used(CX_SLOT_QUOTA);
    for (unsigned long i = 1; i < n && !kt_failed; i++)
        kt_attacks();
    uint64_t used1 = quota_used(CX_SLOT_QUOTA);
    kt_check("attack_rounds_quota_back", used1 == used0, "used %lu before, %lu after", used0,
             used1);
    cx_printf("ktest: %lu rounds of attacks, %u passed, %u failed in %lu ms\n", n, kt_passed,
              kt_failed, (cx_clock_ns() - t0) / 1000000);
    return kt_failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    uint64_t t0 = cx_clock_ns();
    if (argc == 3 && !strcmp(argv[1], "attacks"))
        return attack_rounds(parse_count(argv[2]));
    if (argc == 2 && !strcmp(argv[1], "lending")) {
        kt_lending(0);
        kt_lending(1);
        cx_printf("ktest: lending: %u passed, %u failed\n", kt_passed, kt_failed);
        return kt_failed ? 1 : 0;
    }
    cx_printf("ktest: kernel tests starting\n");
    test_caps();
    test_quota();
    test_memory();
    test_irq();
    kt_threads();
    kt_ipc();
    kt_posix();
    kt_futex();
    kt_attacks();
    kt_devices();
    kt_cow();
    kt_noaccess();
    cx_printf("ktest: %u passed, %u failed in %lu ms\n", kt_passed, kt_failed,
              (cx_clock_ns() - t0) / 1000000);
    return kt_failed ? 1 : 0;
}

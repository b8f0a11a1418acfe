/*
 * hostile, the checks before the fuzzing (hostile.h): what a guessing attacker could hope
 * for, with PASS/FAIL lines: no slot holds anything but what the launcher gave, a badge
 * cannot be changed, a copy cannot gain rights, the launcher's requests refuse what a
 * runtime would never send, no capability hides in a domain that ended, a write into the
 * runtime's window of file views ends the program.
 */
#include "hostile.h"

/* The launcher's /proc request (RT_LABEL_PROC) with what a runtime would never send:
 * each malformed one gets an errno, a pid of no process of ours ESRCH. */
static int proc_requests_check(void)
{
    struct cx_ipcbuf *ib = (struct cx_ipcbuf *)RT_IPCBUF_ADDR;
    const uint64_t ep = CX_SLOT_PARENT;
    long e[9];
    memset(ib->words, 'x', sizeof ib->words);
    e[0] = (long)native(CX_SYS_ipc_call, ep, CX_TAG(RT_LABEL_PROC, 6, 0), RT_PROC_SET, 384, 5, 0)
               .rdx; /* says 384 bytes, sends none */
    e[1] =
        (long)native(CX_SYS_ipc_call, ep, CX_TAG(RT_LABEL_PROC, 60, 0), RT_PROC_SET, 385, 5, 0).rdx;
    e[2] =
        (long)native(CX_SYS_ipc_call, ep, CX_TAG(RT_LABEL_PROC, 60, 0), RT_PROC_SET, 8, 16, 0).rdx;
    e[3] =
        (long)native(CX_SYS_ipc_call, ep, CX_TAG(RT_LABEL_PROC, 1, 0), RT_PROC_INFO, 0, 0, 0).rdx;
    e[4] = (long)native(CX_SYS_ipc_call, ep, CX_TAG(RT_LABEL_PROC, 2, 0), 77, 1, 0, 0).rdx;
    e[5] =
        (long)native(CX_SYS_ipc_call, ep, CX_TAG(RT_LABEL_PROC, 2, 0), RT_PROC_INFO, 0, 0, 0).rdx;
    e[6] = (long)native(CX_SYS_ipc_call, ep, CX_TAG(RT_LABEL_PROC, 2, 0), RT_PROC_INFO, 1ul << 40,
                        0, 0)
               .rdx;
    e[7] = (long)native(CX_SYS_ipc_call, ep, CX_TAG(RT_LABEL_PROC, 2, 0), RT_PROC_INFO,
                        (uint64_t)-1, 0, 0)
               .rdx;
    e[8] = (long)native(CX_SYS_ipc_call, ep, CX_TAG(RT_LABEL_PROC, 2, 0), RT_PROC_INFO,
                        (uint64_t)getpid(), 0, 0)
               .rdx;
    int bad = e[0] != -EINVAL || e[1] != -EINVAL || e[2] != -EINVAL || e[3] != -EINVAL ||
              e[4] != -EINVAL || e[5] != -ESRCH || e[6] != -ESRCH || e[7] != -ESRCH || e[8] != 0;
    printf("%s hostile: malformed /proc requests to the launcher get errnos (%ld %ld %ld %ld %ld), "
           "pids not ours ESRCH (%ld %ld %ld), our own an answer (%ld)\n",
           bad ? "FAIL" : "PASS", e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7], e[8]);
    return bad;
}

/* The launcher's credential requests (RT_LABEL_CRED) made raw, in a child: malformed
 * ones get errnos; once all three uids are nobody's, no request brings root back, not
 * even the claim of an exec of a set-user-id root file (the scenario's config says
 * `nosuid`). */
static int cred_requests_check(void)
{
    pid_t p = fork();
    if (p == 0) {
        const uint64_t ep = CX_SLOT_PARENT, tag2 = CX_TAG(RT_LABEL_CRED, 2, 0),
                       tag4 = CX_TAG(RT_LABEL_CRED, 4, 0);
        long e[9];
        bool root = geteuid() == 0;
        e[0] = (long)native(CX_SYS_ipc_call, ep, CX_TAG(RT_LABEL_CRED, 0, 0), 0, 0, 0, 0).rdx;
        e[1] = (long)native(CX_SYS_ipc_call, ep, tag2, 77, 0, 0, 0).rdx;
        e[2] = (long)native(CX_SYS_ipc_call, ep, tag2, RT_CRED_SETUID, 1ul << 40, 0, 0).rdx;
        /* 64 groups announced, none in the message */
        e[3] = (long)native(CX_SYS_ipc_call, ep, tag2, RT_CRED_SETGROUPS, 64, 0, 0).rdx;
        e[4] = (long)native(CX_SYS_ipc_call, ep, tag4, RT_CRED_SETRESUID, 65534, 65534, 65534).rdx;
        e[5] = (long)native(CX_SYS_ipc_call, ep, tag2, RT_CRED_SETUID, 0, 0, 0).rdx;
        e[6] = (long)native(CX_SYS_ipc_call, ep, tag4, RT_CRED_SETRESUID, 0, 0, 0).rdx;
        e[8] = (long)native(CX_SYS_ipc_call, ep, tag4, RT_CRED_EXEC, 0104755, 0, 0).rdx;
        struct nret g = native(CX_SYS_ipc_call, ep, tag2, RT_CRED_GET, 0, 0, 0);
        e[7] = (long)g.r10; /* ruid, euid << 32 */
        int bad = e[0] != -EINVAL || e[1] != -EINVAL || e[2] != -EINVAL ||
                  e[3] != (root ? -EFAULT : -EPERM) || e[4] != (root ? 0 : -EPERM) || e[8] != 0 ||
                  (root && (e[5] != -EPERM || e[6] != -EPERM ||
                            (uint64_t)e[7] != (65534ul | 65534ul << 32)));
        printf(
            "%s hostile: malformed credential requests to the launcher get errnos (%ld %ld %ld "
            "%ld); nobody stays nobody (%ld %ld %ld, a set-user-id exec claimed: %ld, ids %#lx)\n",
            bad ? "FAIL" : "PASS", e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[8],
            (unsigned long)e[7]);
        fflush(stdout);
        _exit(bad);
    }
    int st = 0;
    return p < 0 || waitpid(p, &st, 0) != p || st != 0;
}

/* A child makes a domain and tries to hide its original capability inside that domain's
 * own capability space (or in a domain inside it), then ends. Unreachable from any
 * living domain, such objects would hold the sandbox's quota for good, and the quota's
 * limit would stay charged to init after the sandbox ended. */
static int cycle_check(void)
{
    uint64_t before = free_bytes();
    pid_t p = fork();
    if (p == 0) {
        struct nret a = native(CX_SYS_pd_create, CX_SLOT_QUOTA, 1000, 64, 0, 0, 0);
        struct nret b = native(CX_SYS_cap_move, 1000, 1000, 10, 0, 0, 0);
        struct nret c = native(CX_SYS_pd_create, CX_SLOT_QUOTA, 1001, 64, 0, 0, 0);
        struct nret d = native(CX_SYS_pd_create, CX_SLOT_QUOTA, 1002, 64, 0, 0, 0);
        struct nret e = native(CX_SYS_cap_move, 1001, 1002, 11, 0, 0, 0);
        struct nret f = native(CX_SYS_cap_move, 1002, 1001, 11, 0, 0, 0);
        printf("hostile: moving a domain's original into itself: %ld; into a domain that then "
               "moves its own into the first: %ld, %ld (creates: %ld %ld %ld)\n",
               (long)b.err, (long)e.err, (long)f.err, (long)a.err, (long)c.err, (long)d.err);
        _exit(0);
    }
    waitpid(p, NULL, 0);
    uint64_t after = free_bytes();
    int bad = after != before;
    printf("%s hostile: domains hidden in their own capability spaces are freed with their "
           "maker (sandbox memory free %lu before, %lu after)\n",
           bad ? "FAIL" : "PASS", (unsigned long)before, (unsigned long)after);
    return bad;
}

/* The runtime's window of file views (RT_VIEWS_BASE): the launcher puts its zero page
 * under a read there that faults (a view whose memory went), never under a write, so a
 * program that writes there dies of SIGSEGV instead of faulting for good. */
static int views_write_check(void)
{
    pid_t p = fork();
    if (p == 0) {
        *(volatile char *)(RT_VIEWS_BASE + 12345) = 1;
        _exit(0);
    }
    int st = 0, waited = 0;
    while (waited < 100 && waitpid(p, &st, WNOHANG) == 0) {
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
        waited++;
    }
    if (waited == 100) {
        kill(p, SIGKILL);
        waitpid(p, &st, 0);
    }
    int bad = !(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV) || waited == 100;
    printf("%s hostile: a write into the runtime's view window ends the writer with SIGSEGV "
           "(status %#x%s)\n",
           bad ? "FAIL" : "PASS", st, waited == 100 ? ", still faulting after 10 s" : "");
    return bad;
}

int checks(void)
{
    int fails = 0;
    /* native.h keeps the gadget per file: find it here too (main found the same one) */
    if (native_init())
        return 1;
    struct nret r = native(CX_SYS_cap_info, CX_SLOT_SELF_PD, 0, 0, 0, 0, 0);
    if (r.err || r.rsi != CX_T_PD) {
        printf("FAIL hostile: native cap_info on our own domain: %ld, type %lu\n", (long)r.err,
               (unsigned long)r.rsi);
        return 1;
    }
    printf("PASS hostile: native calls through the gadget reach the kernel\n");
    /* every slot: only what the launcher and our runtime put there */
    unsigned used = 0, foreign = 0;
    for (uint64_t s = 0; s < info()->slots + 64; s++) {
        r = native(CX_SYS_cap_info, s, 0, 0, 0, 0, 0);
        if (r.err == 0) {
            used++;
            if (r.rsi == CX_T_IRQ_CONTROL || r.rsi == CX_T_IRQ || r.rsi == CX_T_IO)
                foreign++;
        } else if (r.err != CX_E_EMPTY_SLOT && r.err != CX_E_INVALID_SLOT) {
            foreign++;
        }
    }
    r = native(CX_SYS_cap_info, UINT64_MAX, 0, 0, 0, 0, 0);
    printf("%s hostile: %u of %lu guessed slots hold a capability, none of them a device "
           "(slot 2^64-1: %ld)\n",
           foreign || r.err != CX_E_INVALID_SLOT ? "FAIL" : "PASS", used,
           (unsigned long)info()->slots + 64, (long)r.err);
    fails += foreign || r.err != CX_E_INVALID_SLOT;
    /* the launcher knows us by the badge of our endpoint: it cannot be changed, and a
     * copy keeps it and gains no rights */
    struct nret orig = native(CX_SYS_cap_info, CX_SLOT_PARENT, 0, 0, 0, 0, 0);
    struct nret rebadge =
        native(CX_SYS_cap_copy, CX_SLOT_PARENT, CX_SLOT_SELF_PD, 1020, CX_R_ALL, 4242, 0);
    r = native(CX_SYS_cap_copy, CX_SLOT_PARENT, CX_SLOT_SELF_PD, 1020, CX_R_ALL, 0, 0);
    struct nret copy = native(CX_SYS_cap_info, 1020, 0, 0, 0, 0, 0);
    int bad = orig.err || !orig.rdx || rebadge.err != CX_E_INVALID_ARG || r.err || copy.err ||
              copy.rdx != orig.rdx || (copy.rdi & ~orig.rdi);
    printf("%s hostile: our launcher endpoint's badge %lu cannot be changed (%ld); a copy asking "
           "for all rights keeps badge %lu and rights %#lx of %#lx\n",
           bad ? "FAIL" : "PASS", (unsigned long)orig.rdx, (long)rebadge.err,
           (unsigned long)copy.rdx, (unsigned long)copy.rdi, (unsigned long)orig.rdi);
    fails += bad;
    native(CX_SYS_cap_delete, 1020, 0, 0, 0, 0, 0);
    /* device capabilities cannot be made from what we hold */
    r = native(CX_SYS_irq_create, CX_SLOT_QUOTA, CX_SLOT_QUOTA, 4, 1021, 0, 0);
    struct nret io = native(CX_SYS_io_create, CX_SLOT_QUOTA, CX_SLOT_QUOTA, 0x3f8, 8, 1021, 0);
    bad = r.err != CX_E_WRONG_TYPE || io.err != CX_E_WRONG_TYPE;
    printf("%s hostile: no interrupt or I/O port from our quota (irq_create %ld, io_create %ld)\n",
           bad ? "FAIL" : "PASS", (long)r.err, (long)io.err);
    fails += bad;
    fails += cycle_check();
    fails += views_write_check();
    fails += proc_requests_check();
    fails += cred_requests_check();
    /* session requests the config does not route: init says no each time; its log line
     * must not come each time (docs/sandboxes.md) */
    struct cx_ipcbuf *ib = (struct cx_ipcbuf *)RT_IPCBUF_ADDR;
    unsigned denied = 0;
    struct nret first = {0};
    for (int i = 0; i < 2000; i++) {
        uint64_t w[4] = {0};
        memcpy(w, "File_system", 12);
        memset(ib->words + 4, 0, 12 * 8);
        snprintf((char *)(ib->words + 4), 32, "guess-%d", i % 50);
        ib->words[16] = 1 << 20, ib->words[17] = 600, ib->words[18] = 601;
        r = native(CX_SYS_ipc_call, CX_SLOT_PARENT, CX_TAG(RT_LABEL_SESSION, 19, 0), w[0], w[1],
                   w[2], w[3]);
        denied += r.err == 0 && r.rdx == (uint64_t)-1;
        if (i == 0)
            first = r;
    }
    printf("%s hostile: %u of 2000 session requests for routes we do not have were denied "
           "(EPERM; the first: %ld, %ld)\n",
           denied == 2000 ? "PASS" : "FAIL", denied, (long)first.err, (long)first.rdx);
    fails += denied != 2000;
    /* a thread of ours without a fault handler, faulting again each time it is resumed:
     * the kernel logs its first fault only (the log is the machine's, docs/sandboxes.md) */
    static struct cx_regs regs;
    r = native(CX_SYS_thread_create, CX_SLOT_QUOTA, CX_SLOT_SELF_PD, 1030, 0, 100, 0);
    struct nret g = native(CX_SYS_thread_regs, 1030, CX_REGS_GET, CX_CTX_CURRENT,
                           (uint64_t)(uintptr_t)&regs, 0, 0);
    regs.rip = 0xdead0000;
    regs.rsp = 0;
    struct nret st = native(CX_SYS_thread_regs, 1030, CX_REGS_SET, CX_CTX_CURRENT,
                            (uint64_t)(uintptr_t)&regs, 0, 0);
    unsigned resumed = 0;
    for (int i = 0; i < 10000 && !r.err && !g.err && !st.err; i++) {
        resumed += native(CX_SYS_thread_resume, 1030, 0, 0, 0, 0, 0).err == 0;
        native(CX_SYS_yield, 0, 0, 0, 0, 0, 0);
    }
    native(CX_SYS_cap_delete, 1030, 0, 0, 0, 0, 0);
    printf("hostile: a thread without a fault handler at rip 0xdead0000 resumed %u times "
           "(create %ld, regs %ld %ld)\n",
           resumed, (long)r.err, (long)g.err, (long)st.err);
    fflush(stdout);
    return fails;
}

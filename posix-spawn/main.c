/*
 * posix-spawn, the POSIX launcher (first version): starts one static Linux x86_64
 * program from the boot archive in a new POSIX protection domain, with the capix
 * runtime mapped in, and reports how it ended. It is the fault handler and the parent
 * of the process: exit and fault reports arrive on its endpoint, badged with the
 * process. Its own exit status is the program's (128 + N when killed by signal N).
 *
 * Arguments: [--trace] PROGRAM [ARGS...]; PROGRAM is a member of the boot archive.
 * The process table, fork, execve and wait come with the process issue.
 */
#include <capix/capix.h>
#include <capix/elf.h>
#include <capix/tar.h>
#include <string.h>
#include "layout.h"

#define ARCHIVE_VA 0x10000000ul
#define SCRATCH 0x40000000ul
#define PROC_SLOTS 1024
#define PROC_BADGE 1
#define RESERVE (512ul << 10) /* quota the launcher keeps for itself */

struct image {
    const char *name;
    const void *data;
    size_t size;
    struct elf_info elf;
};

struct proc {
    uint64_t quota, pd, thread, log, parent_ep;
    uint64_t mems[16];
    unsigned nmems;
};

static struct image prog, runtime, vdso;
static struct proc p;
static struct tar_entry entry;

static const char *signame(int sig)
{
    switch (sig) {
    case 4:
        return "SIGILL";
    case 5:
        return "SIGTRAP";
    case 7:
        return "SIGBUS";
    case 8:
        return "SIGFPE";
    case 11:
        return "SIGSEGV";
    default:
        return "signal";
    }
}

static int find_image(struct image *im, const char *name)
{
    const void *archive = (const void *)ARCHIVE_VA;
    int err = tar_find(archive, cx_named_value("archive"), name, &entry);
    if (err) {
        cx_printf("posix-spawn: %s: %s\n", name, tar_strerror(err));
        return -1;
    }
    im->name = name;
    im->data = entry.data;
    im->size = entry.size;
    err = elf_parse(im->data, im->size, &im->elf);
    if (err) {
        cx_printf("posix-spawn: %s: not an executable: %s\n", name, elf_strerror(err));
        return -1;
    }
    if (im->elf.interp && im != &vdso) {
        cx_printf("posix-spawn: %s: dynamically linked (interpreter %s): only static "
                  "programs run\n",
                  name, im->elf.interp);
        return -1;
    }
    return 0;
}

/* A new memory object of pages, charged to the process, optionally filled via scratch. */
static long new_mem(uint64_t pages, uint64_t *slot)
{
    if (p.nmems == 16)
        return CX_E_INVALID_ARG;
    *slot = cx_slot_alloc();
    long err = cx_mem_create(p.quota, pages, *slot);
    if (err)
        return err;
    p.mems[p.nmems++] = *slot;
    return 0;
}

static uint64_t seg_flags(uint32_t f)
{
    return CX_MAP_R | (f & ELF_PF_W ? CX_MAP_W : 0) | (f & ELF_PF_X ? CX_MAP_X : 0);
}

/*
 * Loads an image: one memory object spans all its PT_LOAD pages (segments may share a
 * page); each page is mapped with the union of the flags of the segments on it.
 */
static long load_image(const struct image *im, uint64_t bias, uint64_t mask)
{
    uint64_t lo = im->elf.load_min & ~(CX_PAGE_SIZE - 1);
    uint64_t pages = (im->elf.load_max - lo + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE;
    uint64_t m;
    long err = new_mem(pages, &m);
    if (!err)
        err = cx_map(CX_SLOT_SELF_PD, m, 0, SCRATCH, pages, CX_MAP_R | CX_MAP_W);
    if (err)
        return err;
    struct elf_segment seg;
    for (unsigned i = 0; elf_load_segment(&im->elf, i, &seg) == 0; i++)
        memcpy((char *)SCRATCH + (seg.vaddr - lo), (const char *)im->data + seg.offset, seg.filesz);
    cx_unmap(CX_SLOT_SELF_PD, SCRATCH, pages);
    uint64_t run_start = 0, run_flags = 0;
    for (uint64_t pg = 0; pg <= pages; pg++) {
        uint64_t f = 0;
        if (pg < pages) {
            uint64_t va = lo + pg * CX_PAGE_SIZE; /* before the bias */
            for (unsigned i = 0; elf_load_segment(&im->elf, i, &seg) == 0; i++)
                if (seg.vaddr < va + CX_PAGE_SIZE && va < seg.vaddr + seg.memsz)
                    f |= seg_flags(seg.flags) & mask;
        }
        if (pg == pages || f != run_flags) {
            if (run_flags && (err = cx_map(p.pd, m, run_start, bias + lo + run_start * CX_PAGE_SIZE,
                                           pg - run_start, run_flags)))
                return err;
            run_start = pg;
            run_flags = f;
        }
    }
    return 0;
}

static uint64_t exec_range(const struct image *im, uint64_t *hi)
{
    struct elf_segment seg;
    for (unsigned i = 0; elf_load_segment(&im->elf, i, &seg) == 0; i++)
        if (seg.flags & ELF_PF_X) {
            *hi = seg.vaddr + seg.memsz;
            return seg.vaddr;
        }
    return *hi = 0;
}

/* Writes the initial stack (argc, argv, envp, auxv and their strings); returns rsp. */
static uint64_t build_stack(uint64_t m, int argc, char **argv)
{
    const uint64_t pages = 4; /* the top 16 KiB hold the arguments */
    const uint64_t top = RT_PROG_STACK_TOP;
    const uint64_t base = top - pages * CX_PAGE_SIZE;
    cx_map(CX_SLOT_SELF_PD, m, RT_PROG_STACK_PAGES - pages, SCRATCH, pages, CX_MAP_R | CX_MAP_W);
    char *s = (char *)SCRATCH;
    uint64_t pos = pages * CX_PAGE_SIZE;
#define PUT_STR(str)                                                                               \
    ({                                                                                             \
        size_t n_ = strlen(str) + 1;                                                               \
        pos -= n_;                                                                                 \
        memcpy(s + pos, (str), n_);                                                                \
        base + pos;                                                                                \
    })
    static const char *const envp[] = {"PATH=/bin", "HOME=/", "TERM=dumb", "LANG=C.UTF-8"};
    const unsigned nenv = sizeof(envp) / sizeof(envp[0]);
    uint64_t argv_va[16], env_va[4];
    for (int i = 0; i < argc; i++)
        argv_va[i] = PUT_STR(argv[i]);
    for (unsigned i = 0; i < nenv; i++)
        env_va[i] = PUT_STR(envp[i]);
    uint64_t execfn = PUT_STR(argv[0]);
    uint64_t platform = PUT_STR("x86_64");
    pos -= 16;
    uint64_t random = base + pos;
    uint64_t t = cx_clock_ns();
    for (int i = 0; i < 16; i++) { /* not cryptographic: a random service comes later */
        t = t * 6364136223846793005ul + 1442695040888963407ul;
        s[pos + i] = (char)(t >> 56);
    }
    uint64_t auxv[][2] = {
        {3, prog.elf.phdr_vaddr}, /* AT_PHDR */
        {4, 56},                  /* AT_PHENT */
        {5, prog.elf.phnum},      /* AT_PHNUM */
        {6, CX_PAGE_SIZE},        /* AT_PAGESZ */
        {7, 0},                   /* AT_BASE */
        {8, 0},                   /* AT_FLAGS */
        {9, prog.elf.entry},      /* AT_ENTRY */
        {11, 0},
        {12, 0},
        {13, 0},
        {14, 0},                                              /* AT_UID, AT_EUID, AT_GID, AT_EGID */
        {16, 0x078bfbff},                                     /* AT_HWCAP: baseline x86-64 */
        {17, 100},                                            /* AT_CLKTCK */
        {15, platform},                                       /* AT_PLATFORM */
        {23, 0},                                              /* AT_SECURE */
        {25, random},                                         /* AT_RANDOM */
        {31, execfn},                                         /* AT_EXECFN */
        {vdso.data ? 33u : 7u, vdso.data ? RT_VDSO_ADDR : 0}, /* AT_SYSINFO_EHDR */
        {0, 0},                                               /* AT_NULL */
    };
    uint64_t words = 1 + (uint64_t)argc + 1 + nenv + 1 + 2 * (sizeof(auxv) / 16);
    pos = (pos - words * 8) & ~15ul;
    uint64_t *w = (uint64_t *)(s + pos);
    *w++ = (uint64_t)argc;
    for (int i = 0; i < argc; i++)
        *w++ = argv_va[i];
    *w++ = 0;
    for (unsigned i = 0; i < nenv; i++)
        *w++ = env_va[i];
    *w++ = 0;
    memcpy(w, auxv, sizeof(auxv));
    cx_unmap(CX_SLOT_SELF_PD, SCRATCH, pages);
    return base + pos;
#undef PUT_STR
}

static long start(int argc, char **argv, uint64_t ep, int trace)
{
    long err;
    struct cx_ret qi = cx_raw_quota_info(CX_SLOT_QUOTA, 0, 0, 0, 0, 0);
    uint64_t avail = qi.rsi - qi.rdi;
    if (avail < RESERVE + (4ul << 20))
        return CX_E_NO_QUOTA;
    p.quota = cx_slot_alloc(), p.pd = cx_slot_alloc(), p.thread = cx_slot_alloc();
    p.log = cx_slot_alloc(), p.parent_ep = cx_slot_alloc();
#define TRY(x)                                                                                     \
    do {                                                                                           \
        if ((err = (x)))                                                                           \
            return err;                                                                            \
    } while (0)
    TRY(cx_quota_create(CX_SLOT_QUOTA, avail - RESERVE, p.quota));
    TRY(cx_pd_create(p.quota, p.pd, PROC_SLOTS));
    uint64_t rt_lo, rt_hi;
    rt_lo = exec_range(&runtime, &rt_hi);
    TRY(cx_raw_pd_set_runtime(p.pd, runtime.elf.entry, rt_lo, rt_hi, 0, 0).err);
    TRY(cx_cap_copy(ep, CX_SLOT_SELF_PD, p.parent_ep, CX_R_WRITE, PROC_BADGE));
    TRY(cx_thread_create(p.quota, p.pd, p.thread, p.parent_ep, 100));
    const char *base = strchr(argv[0], '/') ? argv[0] + strlen(argv[0]) : argv[0];
    while (base > argv[0] && base[-1] != '/')
        base--;
    TRY(cx_log_create(CX_SLOT_LOG, p.quota, base, p.log));
    TRY(cx_cap_copy(p.pd, p.pd, CX_SLOT_SELF_PD, CX_R_ALL, 0));
    TRY(cx_cap_copy(p.thread, p.pd, CX_SLOT_SELF_THREAD, CX_R_ALL, 0));
    TRY(cx_cap_copy(p.quota, p.pd, CX_SLOT_QUOTA, CX_R_ALL, 0));
    TRY(cx_cap_copy(p.log, p.pd, CX_SLOT_LOG, CX_R_WRITE, 0));
    TRY(cx_cap_copy(p.parent_ep, p.pd, CX_SLOT_PARENT, CX_R_WRITE, 0));
    static const char *const streams[2] = {"stdout", "stderr"};
    uint64_t uart_slot[2] = {0, 0}, uart_port[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        uint64_t s = cx_named_cap(streams[i]);
        if (!s)
            continue;
        uart_slot[i] = CX_SLOT_FIRST_FREE + (uint64_t)i;
        uart_port[i] = cx_named_value(streams[i]);
        TRY(cx_cap_copy(s, p.pd, uart_slot[i], CX_R_READ | CX_R_WRITE, 0));
    }
    const uint64_t all = CX_MAP_R | CX_MAP_W | CX_MAP_X;
    TRY(load_image(&runtime, 0, all));
    TRY(load_image(&prog, 0, all));
    if (vdso.data) {
        if (vdso.elf.load_max > RT_VDSO_PAGES * CX_PAGE_SIZE)
            return CX_E_INVALID_ARG;
        TRY(load_image(&vdso, RT_VDSO_ADDR, CX_MAP_R | CX_MAP_X)); /* read by musl only */
        uint64_t vv;
        TRY(new_mem(1, &vv));
        TRY(cx_map(CX_SLOT_SELF_PD, vv, 0, SCRATCH, 1, CX_MAP_R | CX_MAP_W));
        ((struct rt_vvar *)SCRATCH)->tsc_hz = cx_raw_clock(0, 0, 0, 0, 0, 0).rdi;
        cx_unmap(CX_SLOT_SELF_PD, SCRATCH, 1);
        TRY(cx_map(p.pd, vv, 0, RT_VVAR_ADDR, 1, CX_MAP_R));
    }

    uint64_t m;
    TRY(new_mem(1, &m));
    TRY(cx_map(CX_SLOT_SELF_PD, m, 0, SCRATCH, 1, CX_MAP_R | CX_MAP_W));
    struct rt_info *ri = (struct rt_info *)SCRATCH;
    ri->magic = RT_INFO_MAGIC;
    ri->slot_pd = CX_SLOT_SELF_PD;
    ri->slot_thread = CX_SLOT_SELF_THREAD;
    ri->slot_quota = CX_SLOT_QUOTA;
    ri->slot_log = CX_SLOT_LOG;
    ri->slot_parent = CX_SLOT_PARENT;
    ri->first_free_slot = CX_SLOT_FIRST_FREE + 2;
    ri->slot_stdout_uart = uart_slot[0];
    ri->slot_stderr_uart = uart_slot[1];
    ri->stdout_port = uart_port[0];
    ri->stderr_port = uart_port[1];
    ri->slots = PROC_SLOTS;
    ri->brk_start = (prog.elf.load_max + CX_PAGE_SIZE - 1) & ~(CX_PAGE_SIZE - 1);
    ri->pid = 1;
    ri->ppid = 0;
    ri->trace = (uint64_t)trace;
    size_t n = strlen(argv[0]);
    memcpy(ri->exe, argv[0], n < sizeof(ri->exe) ? n + 1 : sizeof(ri->exe) - 1);
    cx_unmap(CX_SLOT_SELF_PD, SCRATCH, 1);
    TRY(cx_map(p.pd, m, 0, RT_INFO_ADDR, 1, CX_MAP_R));
    TRY(new_mem(1, &m));
    TRY(cx_map(p.pd, m, 0, RT_IPCBUF_ADDR, 1, CX_MAP_R | CX_MAP_W));
    TRY(new_mem(RT_STACK_PAGES, &m));
    TRY(cx_map(p.pd, m, 0, RT_STACK_TOP - RT_STACK_PAGES * CX_PAGE_SIZE, RT_STACK_PAGES,
               CX_MAP_R | CX_MAP_W));
    TRY(new_mem(RT_PROG_STACK_PAGES, &m));
    TRY(cx_map(p.pd, m, 0, RT_PROG_STACK_TOP - RT_PROG_STACK_PAGES * CX_PAGE_SIZE,
               RT_PROG_STACK_PAGES, CX_MAP_R | CX_MAP_W));
    uint64_t sp = build_stack(m, argc, argv);

    static struct cx_regs r;
    TRY(cx_thread_regs(p.thread, CX_REGS_GET, CX_CTX_CURRENT, &r));
    r.rip = prog.elf.entry;
    r.rsp = sp;
    r.rdx = 0;
    TRY(cx_thread_regs(p.thread, CX_REGS_SET, CX_CTX_CURRENT, &r));
    TRY(cx_thread_config(p.thread, CX_TCFG_IPCBUF, RT_IPCBUF_ADDR));
    TRY(cx_thread_config(p.thread, CX_TCFG_RT_STACK, RT_STACK_TOP));
    TRY(cx_thread_resume(p.thread));
    return 0;
#undef TRY
}

static void destroy(void)
{
    uint64_t *slots[] = {&p.thread, &p.pd, &p.log, &p.parent_ep};
    for (unsigned i = 0; i < 4; i++)
        if (*slots[i])
            cx_cap_delete(*slots[i]);
    for (unsigned i = 0; i < p.nmems; i++)
        cx_cap_delete(p.mems[i]);
    if (p.quota)
        cx_cap_delete(p.quota);
}

static void report_fault(const char *what, int sig, uint64_t addr, uint64_t rip)
{
    const struct image *im =
        rip >= RT_IMAGE_BASE && rip < RT_IMAGE_BASE + (64ul << 20) ? &runtime : &prog;
    const char *fn;
    uint64_t off;
    char where[128] = "";
    if (!elf_symbolize(im->data, im->size, rip, &fn, &off))
        cx_snprintf(where, sizeof(where), " in %s+%#lx (%s)", fn, off, im->name);
    cx_printf("posix-spawn: %s: %s (%s) at address %#lx, rip %#lx%s\n", prog.name, what,
              signame(sig), addr, rip, where);
}

int main(int argc, char **argv)
{
    int trace = 0, a = 1;
    if (a < argc && !strcmp(argv[a], "--trace"))
        trace = 1, a++;
    if (a >= argc || argc - a > 16) {
        cx_printf("usage: posix-spawn [--trace] PROGRAM [ARGS...] (at most 15 arguments)\n");
        return 2;
    }
    uint64_t archive = cx_named_cap("archive");
    uint64_t size = cx_named_value("archive");
    long err = cx_map(CX_SLOT_SELF_PD, archive, 0, ARCHIVE_VA,
                      (size + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE, CX_MAP_R);
    if (err) {
        cx_printf("posix-spawn: no boot archive (give it `boot-archive`): %s\n", cx_strerror(err));
        return 2;
    }
    if (find_image(&runtime, "capix-runtime") || find_image(&prog, argv[a]))
        return 127;
    if (find_image(&vdso, "capix-vdso"))
        vdso.data = NULL; /* no vDSO: clock_gettime takes the system call */
    uint64_t ep = cx_slot_alloc();
    err = cx_ep_create(CX_SLOT_QUOTA, ep);
    if (!err)
        err = start(argc - a, argv + a, ep, trace);
    if (err) {
        cx_printf("posix-spawn: cannot start %s: %s\n", argv[a], cx_strerror(err));
        destroy();
        return 126;
    }
    struct cx_msg m;
    err = cx_recv(ep, CX_TIMEOUT_NONE, &m);
    for (;;) {
        uint64_t label = CX_TAG_LABEL(m.tag);
        if (err || m.badge != PROC_BADGE) {
            err = cx_recv(ep, CX_TIMEOUT_NONE, &m);
            continue;
        }
        if (label == RT_LABEL_FAULT_REPORT) {
            report_fault("killed", (int)m.w[0], m.w[1], m.w[2]);
            m.tag = CX_TAG(0, 0, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        }
        int status;
        if (label == RT_LABEL_EXIT) {
            int ws = (int)m.w[0];
            status = (ws & 0x7f) ? 128 + (ws & 0x7f) : (ws >> 8) & 0xff;
        } else if (label == CX_LABEL_FAULT) {
            report_fault("runtime fault", 11, m.w[CX_FW_ADDR], m.w[CX_FW_RIP]);
            status = 128 + 11;
        } else {
            m.tag = CX_TAG(0, 0, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        }
        destroy();
        return status;
    }
}

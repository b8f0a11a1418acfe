/*
 * posix-spawn, the POSIX launcher (first version): starts one POSIX process, a new
 * protection domain with the capix runtime, the boot archive and the component's config
 * mapped in, and reports how it ended. The runtime builds the process's VFS from the
 * config and loads the program from it (docs/runtime.md). The launcher is the fault
 * handler and the parent of the process: exit and fault reports arrive on its endpoint,
 * badged with the process. Its own exit status is the program's (128 + N when killed
 * by signal N).
 *
 * Arguments: [--trace] [PROGRAM [ARGS...]]: PROGRAM is a path in the process's VFS
 * (the config's `argv` gives it otherwise). The process table, fork, execve and wait
 * come with the process issue.
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

static struct image runtime, vdso;
static const char *prog_name = "(from config)";
static struct proc p;
static struct tar_entry entry;

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

/* Copies len bytes into a new memory object mapped read-only in the process at va. */
static long give_data(uint64_t va, const void *data, size_t len)
{
    uint64_t pages = (len + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE, m;
    long err = new_mem(pages ? pages : 1, &m);
    if (!err)
        err = cx_map(CX_SLOT_SELF_PD, m, 0, SCRATCH, pages, CX_MAP_R | CX_MAP_W);
    if (err)
        return err;
    memcpy((void *)SCRATCH, data, len);
    cx_unmap(CX_SLOT_SELF_PD, SCRATCH, pages);
    return cx_map(p.pd, m, 0, va, pages, CX_MAP_R);
}

/*
 * Builds the process: runtime, vDSO, rt_info (with argv), the config text and the boot
 * archive mapped in, stacks, and the start stub. The runtime does the rest (it loads
 * the program from its own VFS: libc/start.c).
 */
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
    /* the log is labelled with the program's name when the launcher was given it */
    const char *label = cx_start_info ? cx_start_info->name : "posix";
    const char *base = argc ? argv[0] + strlen(argv[0]) : label;
    while (argc && base > argv[0] && base[-1] != '/')
        base--;
    TRY(cx_log_create(CX_SLOT_LOG, p.quota, argc ? base : label, p.log));
    TRY(cx_cap_copy(p.pd, p.pd, CX_SLOT_SELF_PD, CX_R_ALL, 0));
    TRY(cx_cap_copy(p.thread, p.pd, CX_SLOT_SELF_THREAD, CX_R_ALL, 0));
    TRY(cx_cap_copy(p.quota, p.pd, CX_SLOT_QUOTA, CX_R_ALL, 0));
    TRY(cx_cap_copy(p.log, p.pd, CX_SLOT_LOG, CX_R_WRITE, 0));
    TRY(cx_cap_copy(p.parent_ep, p.pd, CX_SLOT_PARENT, CX_R_WRITE, 0));

    static struct rt_info ri;
    memset(&ri, 0, sizeof(ri));
    /* I/O-port capabilities given to the launcher go on to the process (the `uart`
     * plugin finds them by name) */
    unsigned nio = 0;
    uint64_t slot = CX_SLOT_FIRST_FREE;
    for (uint64_t i = 0; cx_start_info && i < cx_start_info->ncaps && nio < 4; i++) {
        const char *name = cx_start_info->caps[i].name;
        if (!strcmp(name, "archive"))
            continue;
        TRY(cx_cap_copy(cx_start_info->caps[i].slot, p.pd, slot, CX_R_READ | CX_R_WRITE, 0));
        memcpy(ri.io[nio].name, name, strlen(name) + 1);
        ri.io[nio].slot = slot++;
        ri.io[nio].first = cx_start_info->caps[i].value;
        nio++;
    }
    const uint64_t all = CX_MAP_R | CX_MAP_W | CX_MAP_X;
    TRY(load_image(&runtime, 0, all));
    int64_t rtoff = cx_start_info ? cx_start_info->realtime_offset_ns : 0;
    if (vdso.data) {
        if (vdso.elf.load_max > RT_VDSO_PAGES * CX_PAGE_SIZE)
            return CX_E_INVALID_ARG;
        TRY(load_image(&vdso, RT_VDSO_ADDR, CX_MAP_R | CX_MAP_X)); /* read by musl only */
        struct rt_vvar vv = {cx_raw_clock(0, 0, 0, 0, 0, 0).rdi, (uint64_t)rtoff};
        TRY(give_data(RT_VVAR_ADDR, &vv, sizeof(vv)));
        ri.vdso = 1;
    }
    /* the boot archive, read-only: the VFS's `tar` plugin shows it and its members */
    uint64_t asize = cx_named_value("archive");
    if (asize > RT_ARCHIVE_MAX)
        return CX_E_INVALID_ARG;
    TRY(cx_map(p.pd, cx_named_cap("archive"), 0, RT_ARCHIVE_ADDR,
               (asize + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE, CX_MAP_R));
    size_t clen = 0;
    const char *ctext = cx_config_text(&clen);
    if (clen)
        TRY(give_data(RT_CONFIG_ADDR, ctext, clen));
    /* the start stub: mov $RT_NR_START, %eax; syscall; ud2 */
    uint8_t stub[9] = {0xb8, 0, 0, 0, 0, 0x0f, 0x05, 0x0f, 0x0b};
    uint32_t nr = (uint32_t)RT_NR_START;
    memcpy(stub + 1, &nr, 4);
    uint64_t sm;
    TRY(new_mem(1, &sm));
    TRY(cx_map(CX_SLOT_SELF_PD, sm, 0, SCRATCH, 1, CX_MAP_R | CX_MAP_W));
    memcpy((void *)SCRATCH, stub, sizeof(stub));
    cx_unmap(CX_SLOT_SELF_PD, SCRATCH, 1);
    TRY(cx_map(p.pd, sm, 0, RT_START_ADDR, 1, CX_MAP_R | CX_MAP_X));

    ri.magic = RT_INFO_MAGIC;
    ri.slot_pd = CX_SLOT_SELF_PD;
    ri.slot_thread = CX_SLOT_SELF_THREAD;
    ri.slot_quota = CX_SLOT_QUOTA;
    ri.slot_log = CX_SLOT_LOG;
    ri.slot_parent = CX_SLOT_PARENT;
    ri.first_free_slot = slot;
    ri.slots = PROC_SLOTS;
    ri.pid = 1;
    ri.ppid = 0;
    ri.trace = (uint64_t)trace;
    ri.realtime_offset_ns = (uint64_t)rtoff;
    ri.archive_size = asize;
    ri.config_size = clen;
    memcpy(ri.component, label, strlen(label) + 1);
    for (int i = 0; i < argc; i++) {
        size_t n = strlen(argv[i]) + 1;
        if (ri.args_len + n > sizeof(ri.args))
            return CX_E_INVALID_ARG;
        memcpy(ri.args + ri.args_len, argv[i], n);
        ri.args_len += (uint32_t)n;
        ri.argc++;
    }
    TRY(give_data(RT_INFO_ADDR, &ri, sizeof(ri)));
    uint64_t m;
    TRY(new_mem(1, &m));
    TRY(cx_map(p.pd, m, 0, RT_IPCBUF_ADDR, 1, CX_MAP_R | CX_MAP_W));
    TRY(new_mem(RT_STACK_PAGES, &m));
    TRY(cx_map(p.pd, m, 0, RT_STACK_TOP - RT_STACK_PAGES * CX_PAGE_SIZE, RT_STACK_PAGES,
               CX_MAP_R | CX_MAP_W));

    static struct cx_regs r;
    TRY(cx_thread_regs(p.thread, CX_REGS_GET, CX_CTX_CURRENT, &r));
    r.rip = RT_START_ADDR;
    r.rsp = 0;
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

/* A fault inside the runtime itself (the runtime reports faults of program code itself,
 * with the function named from the program's symbols). */
static void report_runtime_fault(uint64_t addr, uint64_t rip)
{
    const char *fn;
    uint64_t off;
    char where[128] = "";
    if (!elf_symbolize(runtime.data, runtime.size, rip, &fn, &off))
        cx_snprintf(where, sizeof(where), " in %s+%#lx (capix-runtime)", fn, off);
    cx_printf("posix-spawn: %s: runtime fault (SIGSEGV) at address %#lx, rip %#lx%s\n", prog_name,
              addr, rip, where);
}

int main(int argc, char **argv)
{
    int trace = 0, a = 1;
    if (a < argc && !strcmp(argv[a], "--trace"))
        trace = 1, a++;
    if (a < argc)
        prog_name = argv[a];
    uint64_t archive = cx_named_cap("archive");
    uint64_t size = cx_named_value("archive");
    long err = cx_map(CX_SLOT_SELF_PD, archive, 0, ARCHIVE_VA,
                      (size + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE, CX_MAP_R);
    if (err) {
        cx_printf("posix-spawn: no boot archive (give it `boot-archive`): %s\n", cx_strerror(err));
        return 2;
    }
    if (find_image(&runtime, "capix-runtime"))
        return 127;
    if (find_image(&vdso, "capix-vdso"))
        vdso.data = NULL; /* no vDSO: clock_gettime takes the system call */
    uint64_t ep = cx_slot_alloc();
    err = cx_ep_create(CX_SLOT_QUOTA, ep);
    if (!err)
        err = start(argc - a, argv + a, ep, trace);
    if (err) {
        cx_printf("posix-spawn: cannot start %s: %s\n", prog_name, cx_strerror(err));
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
        if (label == RT_LABEL_FAULT_REPORT) { /* the runtime has logged it */
            m.tag = CX_TAG(0, 0, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        }
        int status;
        if (label == RT_LABEL_EXIT) {
            int ws = (int)m.w[0];
            status = (ws & 0x7f) ? 128 + (ws & 0x7f) : (ws >> 8) & 0xff;
        } else if (label == CX_LABEL_FAULT) {
            report_runtime_fault(m.w[CX_FW_ADDR], m.w[CX_FW_RIP]);
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

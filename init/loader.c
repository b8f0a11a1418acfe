/*
 * Building a child: quota, domain, thread, log, the ELF image, start page, IPC buffer
 * and stack, all charged to the child's own quota. init keeps the original
 * capabilities, so deleting them (child_destroy) frees everything and gives the quota
 * back.
 */
#include "init.h"
#include <capix/elf.h>
#include <capix/tar.h>
#include <string.h>

#define CHILD_STACK_TOP 0x7ffffff00000ul

static struct tar_entry entry;

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        err = (expr);                                                                              \
        if (err)                                                                                   \
            goto fail;                                                                             \
    } while (0)

static uint64_t take_slot(void)
{
    return cx_slot_alloc();
}

/* Makes a memory object of pages in the child's quota, fills it, maps it in the child. */
static int child_mem(struct child *c, uint64_t va, uint64_t pages, uint64_t flags, const void *data,
                     uint64_t data_off, uint64_t data_len)
{
    int err;
    if (c->nmems == MAX_CHILD_MEMS)
        return CX_E_INVALID_ARG;
    uint64_t m = take_slot();
    if (!m)
        return CX_E_INVALID_SLOT;
    err = (int)cx_mem_create(c->quota, pages, m);
    if (err) {
        cx_slot_free(m);
        return err;
    }
    c->mems[c->nmems++] = m;
    if (data_len) {
        err = (int)cx_map(CX_SLOT_SELF_PD, m, 0, SCRATCH, pages, CX_MAP_R | CX_MAP_W);
        if (err)
            return err;
        memcpy((char *)SCRATCH + data_off, data, data_len);
        cx_unmap(CX_SLOT_SELF_PD, SCRATCH, pages);
    }
    return (int)cx_map(c->pd, m, 0, va, pages, flags);
}

int child_start(struct child *c, uint64_t badge, uint64_t init_ep, const void *archive,
                size_t archive_len, const char *config, size_t config_len)
{
    int err;
    struct elf_info ei;
    c->nmems = 0;
    c->quota = c->pd = c->thread = c->log = c->parent_ep = 0;
    memset(c->extra, 0, sizeof(c->extra));

    err = tar_find(archive, archive_len, c->binary, &entry);
    if (err) {
        cx_printf("[init] %s: cannot find '%s' in the boot archive: %s\n", c->name, c->binary,
                  tar_strerror(err));
        return CX_E_INVALID_ARG;
    }
    c->elf = entry.data;
    c->elf_len = entry.size;
    err = elf_parse(c->elf, c->elf_len, &ei);
    if (err) {
        cx_printf("[init] %s: '%s' is not a valid ELF executable: %s\n", c->name, c->binary,
                  elf_strerror(err));
        return CX_E_INVALID_ARG;
    }

    c->quota = take_slot();
    c->pd = take_slot();
    c->thread = take_slot();
    c->log = take_slot();
    c->parent_ep = take_slot();
    TRY((int)cx_quota_create(CX_SLOT_QUOTA, c->quota_bytes, c->quota));
    TRY((int)cx_pd_create(c->quota, c->pd, c->slots));
    TRY((int)cx_cap_copy(init_ep, CX_SLOT_SELF_PD, c->parent_ep, CX_R_WRITE | CX_R_GRANT, badge));
    TRY((int)cx_thread_create(c->quota, c->pd, c->thread, c->parent_ep, c->priority));
    TRY((int)cx_log_create(CX_SLOT_LOG, c->quota, c->name, c->log));
    TRY((int)cx_cap_copy(c->pd, c->pd, CX_SLOT_SELF_PD, CX_R_ALL, 0));
    TRY((int)cx_cap_copy(c->thread, c->pd, CX_SLOT_SELF_THREAD, CX_R_ALL, 0));
    TRY((int)cx_cap_copy(c->quota, c->pd, CX_SLOT_QUOTA, CX_R_ALL, 0));
    TRY((int)cx_cap_copy(c->log, c->pd, CX_SLOT_LOG, CX_R_WRITE, 0));
    TRY((int)cx_cap_copy(c->parent_ep, c->pd, CX_SLOT_PARENT, CX_R_WRITE | CX_R_GRANT, 0));

    /* the program */
    struct elf_segment seg;
    for (unsigned i = 0; (err = elf_load_segment(&ei, i, &seg)) == 0; i++) {
        uint64_t va = seg.vaddr & ~(CX_PAGE_SIZE - 1);
        uint64_t pages = (seg.vaddr + seg.memsz - va + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE;
        uint64_t fl = CX_MAP_R | (seg.flags & ELF_PF_W ? CX_MAP_W : 0) |
                      (seg.flags & ELF_PF_X ? CX_MAP_X : 0);
        TRY(child_mem(c, va, pages, fl, (const char *)c->elf + seg.offset, seg.vaddr - va,
                      seg.filesz));
    }
    if (err != ELF_ENOENT) {
        cx_printf("[init] %s: bad segment in '%s': %s\n", c->name, c->binary, elf_strerror(err));
        err = CX_E_INVALID_ARG;
        goto fail;
    }

    /* start page: arguments and named capabilities */
    static struct {
        struct cx_startinfo si;
        char args[4096 - sizeof(struct cx_startinfo)];
    } page;
    memset(&page, 0, sizeof(page));
    page.si.magic = CX_STARTINFO_MAGIC;
    memcpy(page.si.name, c->name, strlen(c->name) + 1);
    page.si.args_offset = sizeof(struct cx_startinfo);
    page.si.slots = c->slots;
    page.si.realtime_offset_ns = realtime_offset_ns;
    page.si.priority = c->priority;
    size_t pos = 0;
    for (unsigned i = 0; i <= c->nargs; i++) {
        const char *a = i == 0 ? c->name : c->args[i - 1];
        size_t n = strlen(a) + 1;
        if (pos + n > sizeof(page.args)) {
            err = CX_E_INVALID_ARG;
            goto fail;
        }
        memcpy(page.args + pos, a, n);
        pos += n;
        page.si.argc++;
    }
    for (unsigned i = 0; i < c->ncaps; i++) {
        struct child_cap *cc = &c->caps[i];
        c->extra[i] = take_slot();
        uint64_t value = 0;
        const char *name = cc->label;
        if (cc->name[0] == 'b') {
            value = archive_len;
            TRY((int)cx_cap_copy(CX_SLOT_BOOT_ARCHIVE, CX_SLOT_SELF_PD, c->extra[i], CX_R_READ, 0));
        } else if (cc->name[0] == 'm') {
            value = cc->first;
            TRY((int)cx_dev_create(CX_SLOT_DEVICE, c->quota, cc->first, cc->count, c->extra[i]));
        } else if (cc->name[1] == 'o') {
            value = cc->first;
            TRY((int)cx_raw_io_create(CX_SLOT_IO_ALL, c->quota, cc->first, cc->count, c->extra[i],
                                      0)
                    .err);
        } else {
            TRY((int)cx_raw_irq_create(CX_SLOT_IRQ_CONTROL, c->quota, cc->first, c->extra[i], 0, 0)
                    .err);
        }
        TRY((int)cx_cap_copy(c->extra[i], c->pd, CX_SLOT_FIRST_FREE + i, CX_R_ALL, 0));
        page.si.caps[i].slot = CX_SLOT_FIRST_FREE + i;
        page.si.caps[i].value = value;
        memcpy(page.si.caps[i].name, name, strlen(name) + 1);
        page.si.ncaps++;
    }
    if (c->pci_sel)
        TRY(child_pci(c, &page.si));
    /* its own part of the config: the file with everything else blanked */
    if (config_len && config_len <= CX_CONFIG_MAX) {
        uint64_t pages = (config_len + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE;
        TRY(child_mem(c, CX_CONFIG_ADDR, pages, CX_MAP_R, NULL, 0, 0));
        TRY((int)cx_map(CX_SLOT_SELF_PD, c->mems[c->nmems - 1], 0, SCRATCH, pages,
                        CX_MAP_R | CX_MAP_W));
        char *t = (char *)SCRATCH;
        page.si.config_size = init_config_view(config, config_len, c, t);
        cx_unmap(CX_SLOT_SELF_PD, SCRATCH, pages);
    }
    TRY(child_mem(c, CX_STARTINFO_ADDR, 1, CX_MAP_R, &page, 0, sizeof(page)));
    TRY(child_mem(c, CX_IPCBUF_ADDR, 1, CX_MAP_R | CX_MAP_W, NULL, 0, 0));
    uint64_t stack_pages = (c->stack_bytes + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE;
    TRY(child_mem(c, CHILD_STACK_TOP - stack_pages * CX_PAGE_SIZE, stack_pages, CX_MAP_R | CX_MAP_W,
                  NULL, 0, 0));

    static struct cx_regs regs;
    memset(&regs, 0, sizeof(regs));
    TRY((int)cx_thread_regs(c->thread, CX_REGS_GET, CX_CTX_CURRENT, &regs));
    regs.rip = ei.entry;
    regs.rsp = CHILD_STACK_TOP;
    regs.rdi = CX_STARTINFO_ADDR;
    TRY((int)cx_thread_regs(c->thread, CX_REGS_SET, CX_CTX_CURRENT, &regs));
    TRY((int)cx_thread_config(c->thread, CX_TCFG_IPCBUF, CX_IPCBUF_ADDR));
    TRY((int)cx_thread_resume(c->thread));
    c->alive = 1;
    return 0;
fail:
    cx_printf("[init] %s: cannot start: %s\n", c->name, cx_strerror(err));
    child_destroy(c);
    return err;
}

static void drop(uint64_t *slot)
{
    if (*slot) {
        cx_cap_delete(*slot);
        cx_slot_free(*slot);
        *slot = 0;
    }
}

void child_destroy(struct child *c)
{
    drop(&c->thread);
    child_pci_release(c); /* before its memory goes: the device's DMA stops first */
    drop(&c->pd);
    for (unsigned i = 0; i < c->nmems; i++)
        drop(&c->mems[i]);
    c->nmems = 0;
    for (unsigned i = 0; i < MAX_CHILD_CAPS; i++)
        drop(&c->extra[i]);
    drop(&c->log);
    drop(&c->parent_ep);
    drop(&c->quota);
    for (unsigned i = 0; i < MAX_SERVICES; i++)
        drop(&c->service_ep[i]); /* dead with its quota: later requests get EIO */
    c->stop_at_ns = 0;
    c->alive = 0;
}

const char *child_symbol(const struct child *c, uint64_t addr, uint64_t *offset)
{
    const char *name;
    if (elf_symbolize(c->elf, c->elf_len, addr, &name, offset))
        return NULL;
    return name;
}

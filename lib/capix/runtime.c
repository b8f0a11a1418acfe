/*
 * Start-up and basic services of native capix programs: argument decoding from the
 * start page, a slot allocator (one bitmap, slots from CX_SLOT_ALLOC_BASE), the
 * exit protocol (a call to the parent), and IPC wrappers.
 */
#include <capix/capix.h>
#include <string.h>

#define MAX_ARGS 32
#define SLOT_BITS (4096 - CX_SLOT_ALLOC_BASE)

const struct cx_startinfo *cx_start_info;
static uint64_t slot_map[SLOT_BITS / 64];
static char *argv_buf[MAX_ARGS + 1];

void cx_start(uint64_t info);
void cx_start(uint64_t info)
{
    int argc = 0;
    const struct cx_startinfo *si = (const struct cx_startinfo *)info;
    if (si && si->magic == CX_STARTINFO_MAGIC) {
        cx_start_info = si;
        const char *p = (const char *)si + si->args_offset;
        for (uint64_t i = 0; i < si->argc && argc < MAX_ARGS; i++) {
            argv_buf[argc++] = (char *)p;
            p += strlen(p) + 1;
        }
    } else {
        argv_buf[argc++] = "init";
    }
    argv_buf[argc] = NULL;
    cx_exit(main(argc, argv_buf));
}

uint64_t cx_slot_alloc(void)
{
    uint64_t limit = cx_start_info ? cx_start_info->slots : SLOT_BITS;
    for (unsigned i = 0; i < SLOT_BITS / 64; i++) {
        if (slot_map[i] == ~0ul)
            continue;
        unsigned b = (unsigned)__builtin_ctzl(~slot_map[i]);
        if (CX_SLOT_ALLOC_BASE + i * 64 + b >= limit)
            return 0;
        slot_map[i] |= 1ul << b;
        return CX_SLOT_ALLOC_BASE + i * 64 + b;
    }
    return 0;
}

void cx_slot_free(uint64_t slot)
{
    uint64_t i = slot - CX_SLOT_ALLOC_BASE;
    if (slot >= CX_SLOT_ALLOC_BASE && i < SLOT_BITS)
        slot_map[i / 64] &= ~(1ul << (i % 64));
}

uint64_t cx_named_cap(const char *name)
{
    if (!cx_start_info)
        return 0;
    for (uint64_t i = 0; i < cx_start_info->ncaps && i < 32; i++)
        if (!strcmp(cx_start_info->caps[i].name, name))
            return cx_start_info->caps[i].slot;
    return 0;
}

uint64_t cx_named_value(const char *name)
{
    if (!cx_start_info)
        return 0;
    for (uint64_t i = 0; i < cx_start_info->ncaps && i < 32; i++)
        if (!strcmp(cx_start_info->caps[i].name, name))
            return cx_start_info->caps[i].value;
    return 0;
}

_Noreturn void cx_exit(int status)
{
    if (cx_start_info) {
        struct cx_msg m = {.tag = CX_TAG(CX_LABEL_EXIT, 1, 0), .w = {(uint64_t)status}};
        /* the parent must hear of the end whatever bound the main thread's calls have
         * (CX_TCFG_CALL_TIMEOUT): an exit call that gave up in the queue of a busy parent
         * would leave the component stopped here and the parent believing it runs */
        cx_thread_config(CX_SLOT_SELF_THREAD, CX_TCFG_CALL_TIMEOUT, CX_TIMEOUT_NONE);
        cx_call(CX_SLOT_PARENT, &m);
    }
    for (;;)
        cx_thread_suspend(CX_SLOT_SELF_THREAD);
}

struct cx_ipcbuf *cx_ipcbuf(void)
{
    return (struct cx_ipcbuf *)CX_IPCBUF_ADDR;
}

long cx_call(uint64_t ep, struct cx_msg *m)
{
    struct cx_ret r = cx_raw_ipc_call(ep, m->tag, m->w[0], m->w[1], m->w[2], m->w[3]);
    m->tag = r.rsi;
    m->w[0] = r.rdx, m->w[1] = r.r10, m->w[2] = r.r8, m->w[3] = r.r9;
    return r.err;
}

long cx_recv(uint64_t ep, uint64_t timeout_ns, struct cx_msg *m)
{
    struct cx_ret r = cx_raw_ipc_recv(ep, timeout_ns, 0, 0, 0, 0);
    m->tag = r.rsi;
    m->badge = r.rdi;
    m->w[0] = r.rdx, m->w[1] = r.r10, m->w[2] = r.r8, m->w[3] = r.r9;
    return r.err;
}

long cx_reply_recv(uint64_t ep, struct cx_msg *m)
{
    struct cx_ret r = cx_raw_ipc_reply_recv(ep, m->tag, m->w[0], m->w[1], m->w[2], m->w[3]);
    m->tag = r.rsi;
    m->badge = r.rdi;
    m->w[0] = r.rdx, m->w[1] = r.r10, m->w[2] = r.r8, m->w[3] = r.r9;
    return r.err;
}

const char *cx_config_text(size_t *len)
{
    if (!cx_start_info || !cx_start_info->config_size) {
        *len = 0;
        return NULL;
    }
    *len = cx_start_info->config_size;
    return (const char *)CX_CONFIG_ADDR;
}

void cx_session_label(const struct cx_msg *m, char label[CX_SESSION_FULL_WORDS * 8])
{
    memcpy(label, m->w, 32); /* words 0..3 came in registers */
    memcpy(label + 32, cx_ipcbuf()->words + 4, CX_SESSION_FULL_WORDS * 8 - 32);
    label[CX_SESSION_FULL_WORDS * 8 - 1] = 0;
}

long cx_thread_start(uint64_t quota, uint64_t slot, void (*fn)(void), void *stack, uint64_t size,
                     void *ipcbuf, uint64_t prio)
{
    static struct cx_regs r; /* large (the FXSAVE image): not on the caller's stack */
    long err = cx_thread_create(quota, CX_SLOT_SELF_PD, slot, 0, prio);
    if (!err && ipcbuf)
        err = cx_thread_config(slot, CX_TCFG_IPCBUF, (uint64_t)ipcbuf);
    if (!err)
        err = cx_thread_regs(slot, CX_REGS_GET, CX_CTX_CURRENT, &r);
    if (err)
        return err;
    r.rip = (uint64_t)fn;
    r.rsp = (((uint64_t)stack + size) & ~15ul) - 8; /* as after a call: (rsp + 8) % 16 == 0 */
    if ((err = cx_thread_regs(slot, CX_REGS_SET, CX_CTX_CURRENT, &r)))
        return err;
    return cx_thread_resume(slot);
}

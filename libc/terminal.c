/*
 * Terminal sessions of this process (docs/terminal.md): the VFS's `terminal` plugin asks
 * for one through vfs_env.terminal. The launcher opens it once per label for the whole
 * sandbox (it also watches the session's events: the signals of Ctrl-C and Ctrl-Z go to
 * the foreground group) and gives this process the session's endpoint, its memory
 * (mapped here at the same address in every holder, fork children included) and the
 * input notification the server signals. Data goes through this process's own area of
 * the memory; the controlling terminal and job control are asked of the launcher.
 */
#include <capix/term_protocol.h>
#include <string.h>
#include <vfs/plugin.h>
#include <vfs_plugins.h>
#include "runtime.h"

#define WAIT_SLICE_NS 50000000ul /* another waiter may have taken a wake-up: look again */

struct terminal {
    uint64_t id, slot_ep, slot_mem, slot_notif;
    char label[96];
};

static struct terminal terminals[RT_MAX_TERMINALS];

static uint64_t base_of(const struct terminal *t)
{
    return RT_TERMINALS_BASE + (uint64_t)(t - terminals) * TERM_SHARED_BYTES;
}

static void *t_area(void *ctx)
{
    return (void *)(base_of(ctx) + CX_PAGE_SIZE + rt->proc_index * TERM_AREA_BYTES);
}

static long t_call(void *ctx, unsigned op, uint64_t arg)
{
    struct terminal *t = ctx;
    struct cx_ret r =
        cx_raw_ipc_call(t->slot_ep, CX_TAG(TERM_LABEL_REQUEST, 3, 0), op, rt->proc_index, arg, 0);
    return r.err ? -EIO : (long)r.rdx; /* an error: the server is gone */
}

static int t_wait(void *ctx, uint32_t seq, uint64_t timeout_ns)
{
    struct terminal *t = ctx;
    const volatile struct term_shared *sh = (const void *)base_of(t);
    uint64_t end = timeout_ns == UINT64_MAX ? UINT64_MAX : cx_clock_ns() + timeout_ns;
    while (__atomic_load_n(&sh->seq, __ATOMIC_ACQUIRE) == seq) {
        uint64_t now = cx_clock_ns(), slice = WAIT_SLICE_NS, bits;
        if (now >= end)
            return 0;
        if (end - now < slice)
            slice = end - now;
        rt_unlock();
        long err = cx_notif_wait(t->slot_notif, slice, &bits);
        rt_lock();
        if (err == CX_E_INTERRUPTED && rt_signal_interrupted())
            return -EINTR;
    }
    return 0;
}

static long tty_call(const struct terminal *t, unsigned op, long arg)
{
    struct cx_ret r =
        cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_TTY, 3, 0), op, t->id, (uint64_t)arg, 0);
    return r.err ? -EIO : (long)r.rdx;
}

/* Job control: a process of a background group that reads (or writes with TOSTOP, or
 * changes the settings) sends SIGTTIN (SIGTTOU) to its group and stops; the call is
 * made again when it continues. */
static long job_check(struct terminal *t, long what)
{
    long bg = tty_call(t, TERM_CTL_JOB, what);
    if (bg <= 0)
        return bg;
    int sig = what == 0 ? SIGTTIN : SIGTTOU;
    if (rt_signal_ignored_or_blocked(sig))
        return what == 0 ? -EIO : 0;
    if (bg == 2) /* an orphaned group: nobody would continue it */
        return -EIO;
    cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_KILL, 2, 0), 0, (uint64_t)sig, 0, 0);
    /* the signal is pending now: the call ends to let it act, and restarts */
    return rt_signal_interrupted() ? -EINTR : 0;
}

static long t_ctl(void *ctx, unsigned op, long arg)
{
    struct terminal *t = ctx;
    if (op == TERM_CTL_JOB)
        return job_check(t, arg);
    return tty_call(t, op, arg);
}

/* ---- status flags shared by the holders of a description (struct term_desc) ----
 * Each open of a terminal takes a free slot of its page 0 (while one is free: else the
 * description keeps flags of its own), counted by the processes that hold the
 * description. This process's descriptions with a slot are listed here; a fork child
 * holds them too (its share taken by the parent before the fork, as FIFO slots are,
 * pipe.c), a message on its way holds one (rt_tty_pass). A process killed holding one,
 * or a message never received, leaves the slot taken until the session goes. */
#define TTY_DESCS 64

struct tty_desc {
    struct vfs_file *f; /* NULL: a free entry */
    struct terminal *t;
    unsigned slot; /* from 1 */
};
static struct tty_desc tty_descs[TTY_DESCS];
static bool tty_refs_taken;
static unsigned tty_adopt_slot; /* the slot a received description takes over (rt_tty_adopt) */

static volatile struct term_desc *desc_at(const struct terminal *t, unsigned slot)
{
    return (volatile struct term_desc *)(base_of(t) + TERM_DESC_OFFSET) + (slot - 1);
}

static void desc_ref(const struct terminal *t, unsigned slot, int delta)
{
    __atomic_add_fetch(&desc_at(t, slot)->refs, (uint32_t)delta, __ATOMIC_ACQ_REL);
}

static struct tty_desc *desc_of(const struct vfs_file *f)
{
    for (unsigned i = 0; f && i < TTY_DESCS; i++)
        if (tty_descs[i].f == f)
            return &tty_descs[i];
    return NULL;
}

static void t_opened(void *ctx, struct vfs_file *f)
{
    struct terminal *t = ctx;
    unsigned slot = tty_adopt_slot; /* a received description: the message's share */
    tty_adopt_slot = 0;
    for (unsigned i = 0; !slot && i < TERM_DESCS; i++) {
        uint32_t zero = 0;
        if (__atomic_compare_exchange_n(&desc_at(t, i + 1)->refs, &zero, 1, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
            slot = i + 1;
            __atomic_store_n(&desc_at(t, slot)->status,
                             RT_STATUS_SET | (f->flags & RT_STATUS_SHARED), __ATOMIC_RELEASE);
        }
    }
    if (!slot)
        return; /* all taken: this description's flags are its own */
    struct tty_desc *d = desc_of(NULL);
    for (unsigned i = 0; !d && i < TTY_DESCS; i++)
        if (!tty_descs[i].f)
            d = &tty_descs[i];
    if (!d) {
        desc_ref(t, slot, -1);
        return;
    }
    d->f = f;
    d->t = t;
    d->slot = slot;
}

static void t_closed(void *ctx, struct vfs_file *f)
{
    struct tty_desc *d = desc_of(f);
    (void)ctx;
    if (!d)
        return;
    desc_ref(d->t, d->slot, -1);
    memset(d, 0, sizeof(*d));
}

static void t_sync(void *ctx, struct vfs_file *f)
{
    (void)ctx;
    rt_file_status(f);
}

volatile uint32_t *rt_tty_status_word(struct vfs_file *f)
{
    struct tty_desc *d = desc_of(f);
    return d ? &desc_at(d->t, d->slot)->status : NULL;
}

unsigned rt_tty_pass(struct vfs_file *f, int delta)
{
    struct tty_desc *d = desc_of(f);
    if (!d)
        return 0;
    desc_ref(d->t, d->slot, delta);
    return d->slot;
}

void rt_tty_adopt(unsigned slot)
{
    tty_adopt_slot = slot <= TERM_DESCS ? slot : 0;
}

void rt_ttys_before_fork(void)
{
    for (unsigned i = 0; i < TTY_DESCS; i++)
        if (tty_descs[i].f)
            desc_ref(tty_descs[i].t, tty_descs[i].slot, 1);
    tty_refs_taken = true;
}

void rt_ttys_fork_done(bool failed)
{
    tty_refs_taken = false;
    for (unsigned i = 0; failed && i < TTY_DESCS; i++)
        if (tty_descs[i].f)
            desc_ref(tty_descs[i].t, tty_descs[i].slot, -1);
}

void rt_ttys_after_fork(void)
{
    for (unsigned i = 0; !tty_refs_taken && i < TTY_DESCS; i++)
        if (tty_descs[i].f) /* a vfork child's exec: its own share */
            desc_ref(tty_descs[i].t, tty_descs[i].slot, 1);
    tty_refs_taken = false;
}

int rt_terminal_open(const char *label, struct term_transport *out)
{
    size_t ll = strlen(label);
    if (ll >= CX_SESSION_LABEL_WORDS * 8 || ll >= sizeof(terminals[0].label))
        return -ENAMETOOLONG;
    unsigned i = 0;
    while (i < RT_MAX_TERMINALS && terminals[i].id && strcmp(terminals[i].label, label))
        i++;
    if (i == RT_MAX_TERMINALS)
        return -EMFILE;
    struct terminal *t = &terminals[i];
    if (!t->id) {
        t->slot_ep = rt_slot_alloc(), t->slot_mem = rt_slot_alloc();
        t->slot_notif = rt_slot_alloc();
        if (!t->slot_ep || !t->slot_mem || !t->slot_notif)
            return -ENOMEM;
        enum { SW = CX_SESSION_SERVICE_WORDS, W = SW + CX_SESSION_LABEL_WORDS };
        struct cx_ipcbuf *b = rt_ipcbuf();
        memset(b->words + SW, 0, CX_SESSION_LABEL_WORDS * 8);
        memcpy(b->words + SW, label, ll);
        b->words[W] = t->slot_ep;
        b->words[W + 1] = t->slot_mem;
        b->words[W + 2] = t->slot_notif;
        struct cx_ret r = cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_TERMINAL, W + 3, 0), 0, 0, 0, 0);
        long id = r.err ? -EIO : (long)r.rdx;
        if (id > 0 &&
            cx_map(rt->slot_pd, t->slot_mem, 0, base_of(t), TERM_SHARED_BYTES / CX_PAGE_SIZE,
                   CX_MAP_R | CX_MAP_W | CX_MAP_SHARE)) {
            cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_SHARED_DROP, 1, 0), (uint64_t)id, 0, 0, 0);
            id = -ENOMEM;
        }
        if (id <= 0) {
            rt_slot_free(t->slot_ep), rt_slot_free(t->slot_mem), rt_slot_free(t->slot_notif);
            memset(t, 0, sizeof(*t));
            return id < 0 ? (int)id : -EIO;
        }
        t->id = (uint64_t)id;
        memcpy(t->label, label, ll + 1);
    }
    out->ctx = t;
    out->shared = (const volatile struct term_shared *)base_of(t);
    out->area = t_area;
    out->call = t_call;
    out->wait = t_wait;
    out->ctl = t_ctl;
    out->opened = t_opened;
    out->closed = t_closed;
    out->sync = t_sync;
    return 0;
}

uint64_t rt_terminal_notif(struct vfs_file *f)
{
    const struct term_transport *tr = vfs_terminal_transport(f);
    return tr ? ((const struct terminal *)tr->ctx)->slot_notif : 0;
}

void rt_terminals_after_narrow(void)
{
    for (unsigned i = 0; i < RT_MAX_TERMINALS; i++) {
        struct terminal *t = &terminals[i];
        if (!t->id)
            continue;
        if (!cx_raw_cap_info(t->slot_mem, 0, 0, 0, 0, 0).err &&
            !cx_map(rt->slot_pd, t->slot_mem, 0, base_of(t), TERM_SHARED_BYTES / CX_PAGE_SIZE,
                    CX_MAP_R | CX_MAP_W | CX_MAP_SHARE))
            continue;
        /* taken away: forget it (a later open of its label is refused by the launcher) */
        for (unsigned k = 0; k < TTY_DESCS; k++)
            if (tty_descs[k].t == t)
                memset(&tty_descs[k], 0, sizeof(tty_descs[k]));
        rt_slot_free(t->slot_ep), rt_slot_free(t->slot_mem), rt_slot_free(t->slot_notif);
        memset(t, 0, sizeof(*t));
    }
}

/*
 * Objects processes share (launcher.h, struct shared): pipe buffers, named pipes and
 * AF_UNIX objects, File_system, Net and Terminal sessions (opened through init and
 * bounded by the process's program rule), their inheritance across fork, what a dead
 * process leaves in them, the repair of runtime faults in buffers and views whose server
 * is gone, and narrowing a process to a program rule's tree (RT_LABEL_NARROW).
 */
#include "launcher.h"
#include <vfs/linux.h>

struct shared shared[MAX_SHARED];
unsigned shared_end = 1;
static struct fifo fifos[MAX_FIFOS];

/* Gives up shared object sh: every copy the processes hold goes first (revoked: a
 * session's endpoint and memory are copies of the server's, and deleting a copy would
 * hand its children to the server's capability, live and untracked), then ours. */
void shared_free(struct shared *sh)
{
    uint64_t *caps[] = {&sh->notif2, &sh->mem, &sh->notif}; /* notif, notif2: 0 if none */
    for (unsigned k = 0; k < 3; k++)
        if (*caps[k]) {
            cx_cap_revoke(*caps[k]);
            cx_cap_delete(*caps[k]);
            cx_slot_free(*caps[k]);
            *caps[k] = 0;
        }
    if (sh->quota) { /* the server's objects for the session go, the quota comes back */
        cx_cap_delete(sh->quota);
        cx_slot_free(sh->quota);
    }
    if (sh->fifo && --fifos[sh->fifo].entries == 0) { /* the last: the pipe goes */
        struct fifo *fi = &fifos[sh->fifo];
        cx_cap_delete(fi->mem), cx_slot_free(fi->mem);
        cx_cap_delete(fi->notif), cx_slot_free(fi->notif);
        memset(fi, 0, sizeof(*fi));
    }
    sh->used = false;
    if (sh->origin)
        pass_origin_gone(sh);
}

/* Whether any process holds sh. */
bool shared_held(const struct shared *sh)
{
    for (unsigned i = 0; i < MAX_PROCS / 64; i++)
        if (sh->holders[i])
            return true;
    return false;
}

/* Whether pr holds sh. */
bool holds(const struct shared *sh, const struct proc *pr)
{
    unsigned i = (unsigned)(pr - procs);
    return sh->holders[i / 64] & (1ul << (i % 64));
}

/* pr no longer holds object id (it deleted its copies, or it ended). */
void shared_drop(struct proc *pr, uint64_t id)
{
    if (id >= MAX_SHARED || !shared[id].used)
        return;
    if (shared[id].fs)
        subclient_drop(pr, (unsigned)id); /* its own endpoint, if it has one */
    unsigned i = (unsigned)(pr - procs);
    shared[id].holders[i / 64] &= ~(1ul << (i % 64));
    if (!shared_held(&shared[id]) && !shared[id].pinned && !shared[id].inflight)
        shared_free(&shared[id]);
}

/* A new shared object of pages and its notification, copied to pr at the given slots;
 * returns its id or -errno. */
long shared_new(struct proc *pr, uint64_t pages, uint64_t slot_mem, uint64_t slot_notif)
{
    uint64_t id = 1;
    while (id < MAX_SHARED && shared[id].used)
        id++;
    /* slot_notif 0: memory only (MAP_SHARED anonymous memory, any size up to 1 GiB) */
    bool pipe = slot_notif != 0;
    if (id == MAX_SHARED || !pages || pages > (pipe ? 64u : 1u << 18) || slot_mem == slot_notif ||
        slot_mem < CX_SLOT_FIRST_FREE || (pipe && slot_notif < CX_SLOT_FIRST_FREE) ||
        slot_mem >= PROC_SLOTS || slot_notif >= PROC_SLOTS)
        return id == MAX_SHARED ? -EMFILE : -EINVAL;
    struct shared *sh = &shared[id];
    memset(sh, 0, sizeof(*sh));
    sh->mem = cx_slot_alloc(), sh->notif = pipe ? cx_slot_alloc() : 0;
    sh->slot_mem = slot_mem, sh->slot_notif = slot_notif;
    if (cx_mem_create(quota, pages, sh->mem) || (pipe && cx_notif_create(quota, sh->notif))) {
        shared_free(sh);
        return -ENOMEM;
    }
    shared_mark_used(sh);
    if (cx_cap_copy(sh->mem, pr->pd, slot_mem, CX_R_READ | CX_R_WRITE, 0) ||
        (pipe && cx_cap_copy(sh->notif, pr->pd, slot_notif, CX_R_ALL, 0))) {
        shared_free(sh);
        return -EINVAL;
    }
    unsigned i = (unsigned)(pr - procs);
    sh->holders[i / 64] |= 1ul << (i % 64);
    return (long)id;
}

/*
 * The pipe of the FIFO file (dev, ino) for pr (RT_LABEL_FIFO), copied to pr at slot_mem
 * and slot_notif: a new one if no process of pr's tree has it open. Returns the id of
 * pr's shared entry for it, or -errno.
 */
long fifo_open(struct proc *pr, uint64_t kind, uint64_t dev, uint64_t ino, uint64_t slot_mem,
               uint64_t slot_notif)
{
    uint64_t tree = pr->narrowed ? pr->labels : 0;
    unsigned fi = 0, free_fi = 0, id = 1;
    for (unsigned i = 1; i < MAX_FIFOS && !fi; i++)
        if (fifos[i].entries && fifos[i].kind == kind && fifos[i].dev == dev &&
            fifos[i].ino == ino && fifos[i].tree == tree)
            fi = i;
        else if (!fifos[i].entries && !free_fi)
            free_fi = i;
    while (id < MAX_SHARED && shared[id].used)
        id++;
    if (id == MAX_SHARED || (!fi && !free_fi))
        return -ENFILE;
    if (slot_mem == slot_notif || slot_mem < CX_SLOT_FIRST_FREE ||
        slot_notif < CX_SLOT_FIRST_FREE || slot_mem >= PROC_SLOTS || slot_notif >= PROC_SLOTS)
        return -EINVAL;
    if (!fi) { /* the first opener: the pipe is made, charged to the sandbox */
        struct fifo *f = &fifos[free_fi];
        f->mem = cx_slot_alloc(), f->notif = cx_slot_alloc();
        if (cx_mem_create(quota, RT_PIPE_AREA / CX_PAGE_SIZE, f->mem) ||
            cx_notif_create(quota, f->notif)) {
            cx_cap_delete(f->mem), cx_slot_free(f->mem);
            cx_cap_delete(f->notif), cx_slot_free(f->notif);
            f->mem = f->notif = 0;
            return -ENOMEM;
        }
        f->kind = kind, f->dev = dev, f->ino = ino, f->tree = tree;
        fi = free_fi;
    }
    struct shared *sh = &shared[id];
    memset(sh, 0, sizeof(*sh));
    shared_mark_used(sh);
    sh->fifo = fi;
    fifos[fi].entries++;
    sh->mem = cx_slot_alloc(), sh->notif = cx_slot_alloc();
    sh->slot_mem = slot_mem, sh->slot_notif = slot_notif;
    if (cx_cap_copy(fifos[fi].mem, CX_SLOT_SELF_PD, sh->mem, CX_R_READ | CX_R_WRITE, 0) ||
        cx_cap_copy(fifos[fi].notif, CX_SLOT_SELF_PD, sh->notif, CX_R_ALL, 0) ||
        cx_cap_copy(sh->mem, pr->pd, slot_mem, CX_R_READ | CX_R_WRITE, 0) ||
        cx_cap_copy(sh->notif, pr->pd, slot_notif, CX_R_ALL, 0)) {
        shared_free(sh);
        return -EINVAL;
    }
    unsigned i = (unsigned)(pr - procs);
    sh->holders[i / 64] |= 1ul << (i % 64);
    return (long)id;
}

/* Whether pr's program rule lets it hold a session of label index li (a denial is
 * logged). */
bool label_allowed(const struct proc *pr, int li, const char *service, const char *label)
{
    if (!pr->narrowed || (li >= 0 && (pr->labels & (1ul << li))))
        return true;
    cx_printf("posix-spawn: pid %d asked for a %s session '%s' outside its program's tree: "
              "denied\n",
              pr->pid, service, label);
    return false;
}

/*
 * A session for pr (RT_LABEL_SESSION): service and label in the IPC buffer's words 0..15,
 * w16 the quota to donate, w17 and w18 the slots where pr wants the session's endpoint
 * and memory. The launcher splits the donation from the sandbox's quota, asks init
 * (which routes it and prefixes the label with this component's name), and keeps the
 * session like a shared object, so that fork children hold it too. Returns the id or
 * -errno.
 */
long session_open(struct proc *pr, const struct cx_msg *req)
{
    struct cx_ipcbuf *b = cx_ipcbuf();
    enum { W = CX_SESSION_SERVICE_WORDS + CX_SESSION_LABEL_WORDS };
    uint64_t words[W];
    memcpy(words, req->w, 4 * 8); /* words 0..3 came in registers */
    memcpy(words + 4, b->words + 4, (W - 4) * 8);
    uint64_t bytes = b->words[W], slot_ep = b->words[W + 1], slot_mem = b->words[W + 2];
    uint64_t id = 1;
    while (id < MAX_SHARED && shared[id].used)
        id++;
    if (id == MAX_SHARED || slot_ep == slot_mem || slot_ep < CX_SLOT_FIRST_FREE ||
        slot_mem < CX_SLOT_FIRST_FREE || slot_ep >= PROC_SLOTS || slot_mem >= PROC_SLOTS ||
        bytes < (64ul << 10) || bytes > (1ul << 32))
        return id == MAX_SHARED ? -EMFILE : -EINVAL;
    /* at most a quarter of what the sandbox has left */
    struct cx_ret qi = cx_raw_quota_info(quota, 0, 0, 0, 0, 0);
    uint64_t left = qi.rsi > qi.rdi ? qi.rsi - qi.rdi : 0;
    if (bytes > left / 4)
        bytes = left / 4 & ~(CX_PAGE_SIZE - 1);
    if (bytes < (256ul << 10))
        return -ENOMEM;
    char *label = (char *)(words + CX_SESSION_SERVICE_WORDS);
    label[CX_SESSION_LABEL_WORDS * 8 - 1] = 0;
    int li = programs_label_index(label);
    if (!label_allowed(pr, li, (const char *)words, label)) /* the service name */
        return -EPERM;
    struct shared *sh = &shared[id];
    long r = request_session(words, bytes, sh);
    if (r < 0)
        return r;
    sh->label = li;
    sh->fs = !memcmp(words, "File_system", 12); /* the service name, NUL-padded */
    sh->grant = !memcmp(words, "Net", 4);
    sh->slot_mem = slot_mem, sh->slot_notif = slot_ep;
    if (cx_cap_copy(sh->mem, pr->pd, slot_mem, CX_R_READ | CX_R_WRITE, 0) ||
        (!sh->fs &&
         cx_cap_copy(sh->notif, pr->pd, slot_ep, CX_R_WRITE | (sh->grant ? CX_R_GRANT : 0), 0))) {
        shared_free(sh);
        return -EINVAL;
    }
    if (sh->fs && (r = subclient_give(pr, (unsigned)id)) < 0) { /* its own endpoint */
        shared_free(sh);
        return r;
    }
    unsigned i = (unsigned)(pr - procs);
    sh->holders[i / 64] |= 1ul << (i % 64);
    return (long)id;
}

/* Asks init for a session (service and label in words 0..15) with bytes of quota
 * donated, into the free entry sh: 0 (sh used, holding the session's endpoint, memory
 * and quota) or -errno. */
long request_session(const uint64_t *words, uint64_t bytes, struct shared *sh)
{
    enum { W = CX_SESSION_SERVICE_WORDS + CX_SESSION_LABEL_WORDS };
    struct cx_ipcbuf *b = cx_ipcbuf();
    memset(sh, 0, sizeof(*sh));
    sh->quota = cx_slot_alloc(), sh->notif = cx_slot_alloc(), sh->mem = cx_slot_alloc();
    if (cx_quota_create(quota, bytes, sh->quota)) {
        cx_slot_free(sh->notif), cx_slot_free(sh->mem), cx_slot_free(sh->quota);
        return -ENOMEM;
    }
    /* label words 4..15 travel in the IPC buffer; the caps come back into ours */
    memcpy(b->words + 4, words + 4, (W - 4) * 8);
    b->send_caps[0] = sh->quota;
    b->recv_slots[0] = sh->notif;
    b->recv_slots[1] = sh->mem;
    b->recv_slots[2] = 0;
    struct cx_msg m = {.tag = CX_TAG(CX_LABEL_SESSION, W, 1)};
    memcpy(m.w, words, 4 * 8);
    long err = cx_call(CX_SLOT_PARENT, &m); /* bounded: LAUNCHER_CALL_TIMEOUT_NS */
    /* no other answer brings capabilities: none may land in these slots once they are
     * given back (a server's answer to the calls below could otherwise) */
    b->recv_slots[0] = b->recv_slots[1] = 0;
    if (err == CX_E_TIMEOUT)
        cx_printf("posix-spawn: init did not answer a %s session request '%s' within %lu s: "
                  "EIO\n",
                  (const char *)words, (const char *)(words + CX_SESSION_SERVICE_WORDS),
                  LAUNCHER_CALL_TIMEOUT_NS / 1000000000ul);
    long r = err ? -5 : (long)m.w[0];
    if (r == 0 && CX_TAG_CAPS(m.tag) != 2)
        r = -EIO;
    shared_mark_used(sh); /* so that shared_free can take it apart */
    if (r < 0) {
        shared_free(sh);
        return r;
    }
    return 0;
}

/* A fork child holds what its parent holds. */
long shared_fork(struct proc *parent, struct proc *child)
{
    unsigned pi = (unsigned)(parent - procs), ci = (unsigned)(child - procs);
    for (unsigned id = 1; id < shared_end; id++) {
        struct shared *sh = &shared[id];
        if (!sh->used || !(sh->holders[pi / 64] & (1ul << (pi % 64))))
            continue;
        long err = cx_cap_copy(sh->mem, child->pd, sh->slot_mem, CX_R_READ | CX_R_WRITE, 0);
        if (!err && sh->fs) /* its parent's sub-client: the same credentials */
            err = subclient_share(parent, child, id) < 0 ? CX_E_NO_QUOTA : 0;
        else if (!err && sh->notif)
            err = cx_cap_copy(sh->notif, child->pd, sh->slot_notif,
                              sh->quota ? CX_R_WRITE | (sh->grant ? CX_R_GRANT : 0) : CX_R_ALL, 0);
        if (!err && sh->notif2)
            err = cx_cap_copy(sh->notif2, child->pd, sh->slot_notif2, CX_R_READ, 0);
        if (err)
            return err;
        sh->holders[ci / 64] |= 1ul << (ci % 64);
    }
    return 0;
}

/* A process that ended without closing its pipe ends (killed, or a fault): they leave
 * the counts, so that readers see end of file and writers EPIPE, as on Linux. */
void pipes_forget(struct proc *pr)
{
    unsigned pi = (unsigned)(pr - procs);
    for (unsigned id = 1; id < shared_end; id++) {
        struct shared *sh = &shared[id];
        if (!sh->used || sh->quota || !sh->notif || !(sh->holders[pi / 64] & (1ul << (pi % 64))))
            continue; /* not a pipe (sessions have a quota, shared memory no notification) */
        if (cx_map(CX_SLOT_SELF_PD, sh->mem, 0, SCRATCH, 1, CX_MAP_R | CX_MAP_W))
            continue;
        struct rt_pipe_ring *r = (struct rt_pipe_ring *)SCRATCH;
        int32_t rd = __atomic_exchange_n(&r->readers_of[pi], 0, __ATOMIC_ACQ_REL);
        int32_t wr = __atomic_exchange_n(&r->writers_of[pi], 0, __ATOMIC_ACQ_REL);
        __atomic_sub_fetch(&r->readers, rd, __ATOMIC_ACQ_REL);
        __atomic_sub_fetch(&r->writers, wr, __ATOMIC_ACQ_REL);
        cx_unmap(CX_SLOT_SELF_PD, SCRATCH, 1);
        if (rd || wr)
            cx_notif_signal(sh->notif, 1);
    }
}

/*
 * A process that ended (killed) in the middle of a File_system request still holds the
 * session buffer's lock (its tag is the pid; fs_protocol.h): free it, so that the
 * others sharing the session go on. First a request of no operation on the session
 * (answered ENOSYS without touching the buffer): the server serves one request at a
 * time, so when it answers, the dead process's request is finished and the server no
 * longer uses the buffer. Its thread must be gone already.
 */
void sessions_unlock(struct proc *pr)
{
    unsigned pi = (unsigned)(pr - procs);
    for (unsigned id = 1; id < shared_end; id++) {
        struct shared *sh = &shared[id];
        if (!sh->used || !sh->quota || sh->notif2 || !(sh->holders[pi / 64] & (1ul << (pi % 64))))
            continue; /* not a File_system session (terminals have notif2), or not held */
        if (cx_map(CX_SLOT_SELF_PD, sh->mem, 0, SCRATCH, 1, CX_MAP_R | CX_MAP_W))
            continue;
        struct fs_buf *b = (struct fs_buf *)SCRATCH;
        if (__atomic_load_n(&b->lock, __ATOMIC_ACQUIRE) == (int32_t)pr->pid) {
            /* bounded (LAUNCHER_CALL_TIMEOUT_NS): a server that does not answer may still
             * be in the dead request, but the buffer is its to write at any time anyway,
             * and the session's other holders are better off calling it than spinning on
             * the lock for good */
            if (cx_raw_ipc_call(sh->notif, CX_TAG(FS_LABEL_REQUEST, 1, 0), 0, 0, 0, 0).err ==
                CX_E_TIMEOUT) {
                sh->silent = true;
                cx_printf("posix-spawn: the server of pid %d's File_system session did not "
                          "answer within %lu s: the lock is freed without it\n",
                          pr->pid, LAUNCHER_CALL_TIMEOUT_NS / 1000000000ul);
            }
            __atomic_store_n(&b->lock, 0, __ATOMIC_RELEASE);
            cx_printf("posix-spawn: pid %d ended in a File_system request: its lock is freed\n",
                      pr->pid);
        }
        cx_unmap(CX_SLOT_SELF_PD, SCRATCH, 1);
    }
}

/*
 * A process that ended without its runtime closing its descriptors (killed, or a fault
 * in the runtime) may still hold record locks, node references and handles in the
 * servers of its File_system sessions: each is asked to drop every lock of the pid in
 * the session (FS_LOCK without a handle, docs/locks.md) and every reference taken under
 * the pid (FS_GONE, docs/fs-protocol.md). Bounded like any call of the launcher's; a server that
 * has just not answered sessions_unlock is not asked (nobody waits for it twice).
 */
void sessions_release_locks(struct proc *pr, bool ask)
{
    unsigned pi = (unsigned)(pr - procs);
    for (unsigned id = 1; id < shared_end; id++) {
        struct shared *sh = &shared[id];
        if (!sh->used || !sh->quota || sh->notif2 || !(sh->holders[pi / 64] & (1ul << (pi % 64))))
            continue;
        bool silent = sh->silent;
        sh->silent = false;
        if (!ask || silent)
            continue; /* a server that just did not answer is not waited for twice */
        struct cx_ipcbuf *b = cx_ipcbuf();
        b->words[4] = 0;                 /* a3 */
        b->words[5] = (uint64_t)pr->pid; /* a4 */
        cx_raw_ipc_call(sh->notif, CX_TAG(FS_LABEL_REQUEST, 6, 0), FS_LOCK, 0, FS_LOCK_RELEASE, 0);
        /* and the node references and handles it took (FS_GONE): the files it held open
         * close, and a program's file it ran is no longer busy */
        cx_raw_ipc_call(sh->notif, CX_TAG(FS_LABEL_REQUEST, 4, 0), FS_GONE, (uint64_t)pr->pid, 0,
                        0);
    }
}

/*
 * A server that ends takes the memory it made for its sessions with it: the clients'
 * mappings of the session buffers vanish. A runtime that then touches one faults here;
 * the buffer's place gets fresh zeroed pages of the sandbox's quota, private to pr,
 * and the runtime goes on: its request to the dead server fails, and the program sees
 * EIO. The same for the Net session's window (RT_NET_BASE: the network server's rings),
 * a page at a time: the socket calls see the server gone (ECONNRESET, EPIPE, EIO;
 * scenario net-server-death). Returns whether addr was in such a buffer and the pages
 * are there now.
 */
bool replace_gone_buffer(struct proc *pr, uint64_t addr)
{
    uint64_t va, pages;
    if (addr >= RT_SESSIONS_BASE &&
        addr < RT_SESSIONS_BASE + RT_MAX_SESSIONS * FS_BUF_PAGES * CX_PAGE_SIZE) {
        pages = FS_BUF_PAGES;
        va = RT_SESSIONS_BASE +
             (addr - RT_SESSIONS_BASE) / (pages * CX_PAGE_SIZE) * (pages * CX_PAGE_SIZE);
    } else if (addr >= RT_TERMINALS_BASE &&
               addr < RT_TERMINALS_BASE + RT_MAX_TERMINALS * TERM_SHARED_BYTES) {
        pages = TERM_SHARED_BYTES / CX_PAGE_SIZE;
        va = RT_TERMINALS_BASE + (addr - RT_TERMINALS_BASE) / TERM_SHARED_BYTES * TERM_SHARED_BYTES;
    } else if (addr >= RT_NET_BASE && addr < RT_NET_BASE + RT_NET_MAX) {
        /* the Net session's rings (up to 64 MiB): a page at a time, as touched */
        pages = 1;
        va = addr & ~(CX_PAGE_SIZE - 1);
    } else {
        return false;
    }
    uint64_t m;
    bool net = pages == 1;
    if (!net)
        cx_unmap(pr->pd, va, pages); /* whatever is left of the old mapping */
    if (new_mem(pr, pages, &m) || cx_map(pr->pd, m, 0, va, pages, CX_MAP_R | CX_MAP_W))
        return false;
    if (!net || !pr->net_gone_told)
        cx_printf("posix-spawn: pid %d: a session's server is gone (%s at %#lx); its calls "
                  "give errors\n",
                  pr->pid, net ? "the Net session's rings" : "buffer", va);
    pr->net_gone_told = pr->net_gone_told || net;
    return true;
}

/*
 * A fault in the runtime's views of files' pages (RT_VIEWS_BASE, libc/session.c): the
 * server destroyed the memory object under a copy in progress (its session that paid
 * for it ended). The page gets the launcher's zero page, read-only (a write: a fresh
 * page of the sandbox's, which nothing else sees), and the runtime goes on: the plugin
 * checks the server's count of destroyed objects after the copy and asks the server
 * instead. Returns whether addr was such a page and is mapped now.
 */
bool patch_gone_view(struct proc *pr, uint64_t addr, bool write)
{
    static uint64_t zero; /* one page of the launcher's own, never written */
    uint64_t m;
    if (addr < RT_VIEWS_BASE || addr >= RT_VIEWS_BASE + RT_VIEWS_SIZE)
        return false;
    /* the zero page is readable: a fault on the page just patched is no copy in progress
     * (a runtime that changed its own mappings), and ends the process instead of
     * faulting for good */
    if ((addr & ~(CX_PAGE_SIZE - 1)) == pr->view_patched)
        return false;
    pr->view_patched = addr & ~(CX_PAGE_SIZE - 1);
    if (write) /* a pwrite's copy into a view (vfs-plugins/fs): a page of its own to */
        return !new_mem(pr, 1, &m) && /* write, thrown away (the plugin writes again) */
               cx_map(pr->pd, m, 0, addr & ~(CX_PAGE_SIZE - 1), 1, CX_MAP_R | CX_MAP_W) == 0;
    if (!zero) {
        uint64_t slot = cx_slot_alloc();
        if (!slot || cx_mem_create(CX_SLOT_QUOTA, 1, slot)) {
            if (slot)
                cx_slot_free(slot);
            return false;
        }
        zero = slot;
    }
    return cx_map(pr->pd, zero, 0, addr & ~(CX_PAGE_SIZE - 1), 1, CX_MAP_R) == 0;
}

/*
 * RT_LABEL_NARROW (w0: a rule's number, as the runtime counts them): pr is about to run a
 * program to which the config gives its own tree (programs.c). Its bound becomes the
 * rule's, within any bound it had; every session outside it is taken from it: its
 * capabilities at the process's slots are deleted, and the buffers of all its sessions
 * and terminals are unmapped (the runtime maps again those it still holds, so nothing it
 * lost stays visible), the boot archive too unless the tree mounts it. 0 or -errno.
 */
long do_narrow(struct proc *pr, uint64_t number)
{
    const struct program_rule *r = programs_rule(number);
    if (!r)
        return -EINVAL;
    pr->labels = (pr->narrowed ? pr->labels : ~0ul) & r->labels;
    pr->narrowed = true;
    if (!r->archive && !pr->no_archive) {
        pr->no_archive = true;
        cx_unmap(pr->pd, RT_ARCHIVE_ADDR, archive_pages);
    }
    cx_unmap(pr->pd, RT_SESSIONS_BASE, RT_MAX_SESSIONS * FS_BUF_PAGES);
    cx_unmap(pr->pd, RT_TERMINALS_BASE, RT_MAX_TERMINALS * TERM_SHARED_BYTES / CX_PAGE_SIZE);
    unsigned taken = 0;
    for (unsigned id = 1; id < shared_end; id++) {
        struct shared *sh = &shared[id];
        if (!sh->used || !sh->quota || !holds(sh, pr))
            continue; /* pipes (no quota) stay with it */
        if (sh->label >= 0 && (pr->labels & (1ul << sh->label)))
            continue;
        cx_cap_delete_in(pr->pd, sh->slot_mem);
        cx_cap_delete_in(pr->pd, sh->slot_notif);
        if (sh->notif2)
            cx_cap_delete_in(pr->pd, sh->slot_notif2);
        shared_drop(pr, id);
        taken++;
    }
    cx_printf("posix-spawn: pid %d runs %s in its own tree (config line %u): %u sessions "
              "taken away\n",
              pr->pid, r->path, r->line, taken);
    return 0;
}

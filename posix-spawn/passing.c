/*
 * Descriptors in flight between the processes of a sandbox (RT_LABEL_PASS; SCM_RIGHTS,
 * libc/unix_rights.c, docs/unix-sockets.md). A process that sends a pipe end or an
 * AF_UNIX connection or an eventfd (objects of ours: memory and a notification) asks for a ticket
 * for the object (PUT); while the ticket is out the object stays, whoever else drops it. The
 * process that receives the message trades the ticket (TAKE) for a shared entry of its own: copies
 * of the object's capabilities at the slots it names, derived from the entry the ticket was made
 * for (its origin), which therefore stays while any derived entry does (struct shared's inflight).
 * A message that is never received gives its ticket back (DROP), and the counts of open ends its
 * description added come out here.
 *
 * A file of a File_system session (PUT_FS) is a handle and a node of the server that the
 * sender took one more reference on: its ticket names the session's entry (kept while
 * the ticket is out), and TAKE hands the two numbers to a receiver that holds the same
 * session (the description is then one: offset and status flags are the server's). A
 * receiver without the session gets EPERM: giving it the session would give it the
 * session's whole tree, which a program rule may have taken from it (docs/sandboxes.md).
 * DROP gives the two references back to the server. A socket of a Net session (the
 * network server's) travels the same way, as its handle alone (NET_DUP, NET_CLOSE).
 *
 * Invariants: an origin never has an origin (tickets are made for the root of a chain);
 * shared[o].inflight == (tickets of o) + (used entries whose origin is o). Every word of
 * a request is checked: a ticket's index and nonce, slots, ids, the counts mask.
 * Tickets are the sandbox's (this launcher's): any of its processes may present one.
 */
#include "launcher.h"
#include <capix/net_protocol.h>
#include <vfs/linux.h>

#define MAX_TICKETS 128

static struct ticket {
    unsigned id;     /* the object's root entry, or a File_system session's (0: free) */
    unsigned counts; /* 1: a reader end, 2: a writer end (taken out on DROP) */
    uint64_t nonce;
    bool fs;               /* a handle of File_system or Net session id: */
    uint64_t handle, node; /* the server's numbers, one reference each in flight (Net: */
                           /* node 0) */
} tickets[MAX_TICKETS];
static uint64_t next_nonce = 1;

/* Frees root entry id if nothing holds or needs it any more. */
static void pass_release(unsigned id)
{
    struct shared *sh = &shared[id];
    if (sh->inflight)
        sh->inflight--;
    if (sh->used && !sh->inflight && !sh->pinned && !shared_held(sh))
        shared_free(sh);
}

void pass_origin_gone(struct shared *sh)
{
    unsigned o = sh->origin;
    sh->origin = 0;
    if (o && o < MAX_SHARED)
        pass_release(o);
}

/* The ticket of word t, or NULL. */
static struct ticket *ticket_of(uint64_t t)
{
    unsigned i = (unsigned)(t & 0xff);
    if (i >= MAX_TICKETS || !tickets[i].id || tickets[i].nonce != t >> 8)
        return NULL;
    return &tickets[i];
}

/* A free ticket's index, or MAX_TICKETS. */
static unsigned ticket_free(void)
{
    unsigned i = 0;
    while (i < MAX_TICKETS && tickets[i].id)
        i++;
    return i;
}

static long put(struct proc *pr, uint64_t id, uint64_t counts)
{
    if (id == 0 || id >= MAX_SHARED || !shared[id].used || !holds(&shared[id], pr))
        return -EBADF;
    struct shared *sh = &shared[id];
    if (!sh->notif || sh->quota || sh->notif2 || sh->slot_notif == 0 || counts > 3)
        return -EINVAL; /* not a pipe-like object (sessions have a quota); an eventfd */
                        /* counts no ends (0) */
    unsigned root = sh->origin ? sh->origin : (unsigned)id;
    unsigned i = ticket_free();
    if (i == MAX_TICKETS)
        return -ETOOMANYREFS; /* too many descriptors in flight */
    tickets[i] = (struct ticket){
        .id = root, .counts = (unsigned)counts, .nonce = next_nonce++ & ((1ull << 54) - 1)};
    shared[root].inflight++;
    return (long)(tickets[i].nonce << 8 | i);
}

/* A ticket for a file of File_system session id that pr holds, or a socket of its Net
 * session: handle and node are the server's numbers (pr took a reference on each for
 * it; any number the server does not know is the server's to refuse, the session being
 * pr's). */
static long put_fs(struct proc *pr, uint64_t id, uint64_t handle, uint64_t node)
{
    if (id == 0 || id >= MAX_SHARED || !shared[id].used || !holds(&shared[id], pr))
        return -EBADF;
    if (shared[id].fs ? !node : !shared[id].grant || !handle || node)
        return -EINVAL; /* File_system: a node (and its handle, none for a directory); */
                        /* Net: a handle alone */
    unsigned i = ticket_free();
    if (i == MAX_TICKETS)
        return -ETOOMANYREFS;
    tickets[i] = (struct ticket){.id = (unsigned)id,
                                 .nonce = next_nonce++ & ((1ull << 54) - 1),
                                 .fs = true,
                                 .handle = handle,
                                 .node = node};
    shared[id].inflight++;
    return (long)(tickets[i].nonce << 8 | i);
}

/* The receiver's side of a file ticket: the session's id, the handle and the node in
 * out (the references are pr's now), or -EPERM when pr does not hold the session (the
 * ticket stays, for the receiver to give back). */
static long take_fs(struct proc *pr, struct ticket *tk, uint64_t out[2])
{
    struct shared *sh = &shared[tk->id];
    if (!sh->used || !holds(sh, pr)) {
        const char *label = sh->used && sh->label >= 0 ? programs_label(sh->label) : NULL;
        bool outside = pr->narrowed && !(sh->label >= 0 && (pr->labels & (1ul << sh->label)));
        cx_printf("posix-spawn: pid %d received a %s of %s session '%s', which it does not "
                  "hold%s: not installed\n",
                  pr->pid, sh->grant ? "socket" : "file", sh->grant ? "Net" : "File_system",
                  label ? label : "?", outside ? " (outside its program's tree)" : "");
        return -EPERM;
    }
    long id = (long)tk->id;
    out[0] = tk->handle, out[1] = tk->node;
    tk->id = 0;
    pass_release((unsigned)id); /* the session stays: pr holds it */
    return id;
}

static long take(struct proc *pr, uint64_t t, uint64_t slot_mem, uint64_t slot_notif,
                 uint64_t out[2])
{
    struct ticket *tk = ticket_of(t);
    if (!tk)
        return -EBADF;
    if (tk->fs)
        return take_fs(pr, tk, out);
    if (slot_mem == slot_notif || slot_mem < CX_SLOT_FIRST_FREE ||
        slot_notif < CX_SLOT_FIRST_FREE || slot_mem >= PROC_SLOTS || slot_notif >= PROC_SLOTS)
        return -EINVAL;
    unsigned id = 1;
    while (id < MAX_SHARED && shared[id].used)
        id++;
    if (id == MAX_SHARED)
        return -ENFILE;
    struct shared *root = &shared[tk->id], *sh = &shared[id];
    memset(sh, 0, sizeof(*sh));
    sh->mem = cx_slot_alloc(), sh->notif = cx_slot_alloc();
    sh->slot_mem = slot_mem, sh->slot_notif = slot_notif;
    shared_mark_used(sh); /* so that shared_free can take it apart */
    if (!sh->mem || !sh->notif ||
        cx_cap_copy(root->mem, CX_SLOT_SELF_PD, sh->mem, CX_R_READ | CX_R_WRITE, 0) ||
        cx_cap_copy(root->notif, CX_SLOT_SELF_PD, sh->notif, CX_R_ALL, 0) ||
        cx_cap_copy(sh->mem, pr->pd, slot_mem, CX_R_READ | CX_R_WRITE, 0) ||
        cx_cap_copy(sh->notif, pr->pd, slot_notif, CX_R_ALL, 0)) {
        shared_free(sh); /* no origin yet: the ticket stays out */
        return -ENOMEM;
    }
    unsigned i = (unsigned)(pr - procs);
    sh->holders[i / 64] |= 1ul << (i % 64);
    sh->origin = tk->id; /* the ticket's share of root->inflight is the entry's now */
    tk->id = 0;
    return (long)id;
}

/* The counts a dropped description added come out of its object's header. */
static long drop(uint64_t t)
{
    struct ticket *tk = ticket_of(t);
    if (!tk)
        return -EBADF;
    struct shared *sh = &shared[tk->id];
    if (tk->fs && sh->used && sh->grant) { /* the reference goes back (a bounded call) */
        struct cx_ipcbuf *b = cx_ipcbuf();
        b->words[4] = b->words[5] = 0;
        cx_raw_ipc_call(sh->notif, CX_TAG(NET_LABEL_REQUEST, 6, 0), NET_CLOSE, tk->handle, 0, 0);
    } else if (tk->fs && sh->used) { /* the two references go back to the server */
        if (tk->handle)              /* a directory has none */
            cx_raw_ipc_call(sh->notif, CX_TAG(FS_LABEL_REQUEST, 4, 0), FS_CLOSE, tk->handle, 0, 0);
        cx_raw_ipc_call(sh->notif, CX_TAG(FS_LABEL_REQUEST, 4, 0), FS_RELEASE, tk->node, 0, 0);
    } else if (sh->used && !cx_map(CX_SLOT_SELF_PD, sh->mem, 0, SCRATCH, 1, CX_MAP_R | CX_MAP_W)) {
        struct rt_pipe_ring *r = (struct rt_pipe_ring *)SCRATCH;
        if (tk->counts & 1)
            __atomic_sub_fetch(&r->readers, 1, __ATOMIC_ACQ_REL);
        if (tk->counts & 2)
            __atomic_sub_fetch(&r->writers, 1, __ATOMIC_ACQ_REL);
        cx_unmap(CX_SLOT_SELF_PD, SCRATCH, 1);
        cx_notif_signal(sh->notif, 1); /* a reader may see end of file now */
    }
    unsigned id = tk->id;
    tk->id = 0;
    pass_release(id);
    return 0;
}

long pass_request(struct proc *pr, uint64_t op, uint64_t a, uint64_t b, uint64_t c, uint64_t out[2])
{
    out[0] = out[1] = 0;
    switch (op) {
    case RT_PASS_PUT:
        return put(pr, a, b);
    case RT_PASS_PUT_HANDLE:
        return put_fs(pr, a, b, c);
    case RT_PASS_TAKE:
        return take(pr, a, b, c, out);
    case RT_PASS_DROP:
        return drop(a);
    default:
        return -EINVAL;
    }
}

/*
 * Sub-clients of File_system sessions (docs/fs-protocol.md, "Sub-clients";
 * docs/sandboxes.md, "Credentials"): the launcher keeps each session's own endpoint
 * (the owner's) and gives every process holding the session a badged endpoint of its
 * own, with the process's fs uid, fs gid, supplementary groups and file-system
 * capabilities, which the server checks its requests against. It is asked for when the
 * process gets the session (session_open, a fork child's or a vfork child's new domain
 * in shared_fork), changed at every change of the process's credentials (exec included)
 * and dropped when the process lets the session go or ends (shared_drop). A server that
 * does not know sub-clients (ENOSYS) gets the owner's endpoint as before, logged once.
 *
 * Processes with the same credentials share a sub-client: a fork child gets its
 * parent's (no request to the server: a fork and an exit cost two kernel calls a
 * session, not two round trips to its server), and one that changes its credentials
 * while others share its sub-client gets one of its own instead of changing theirs.
 * sub_refs counts a sub-client's processes; the last one to go drops it. Each process
 * holds its copies through an intermediate copy of its own (proc_fs_sub.own), so that
 * taking one process's endpoint away (it dropped the session, it changes credentials,
 * it ends) revokes its copies alone, wherever it moved them.
 *
 * Invariant: a process with a domain that holds a File_system session has at its slot
 * either a copy of a sub-client's endpoint whose credentials are the process's
 * (recorded in its fs_subs) or, for an old server only, a copy of the owner's.
 */
#include "launcher.h"
#include <vfs/perm.h>

/* The capabilities the servers' checks use (vfs/perm.h) */
#define FS_CAP_SET                                                                                 \
    ((1ul << VFS_CAP_CHOWN) | (1ul << VFS_CAP_DAC_OVERRIDE) | (1ul << VFS_CAP_DAC_READ_SEARCH) |   \
     (1ul << VFS_CAP_FOWNER) | (1ul << VFS_CAP_FSETID) | (1ul << VFS_CAP_MKNOD))

/* FS_CLIENT_ADD (a0 the pid) or FS_SETCREDS (a0 the sub-client) with pr's credentials on
 * the owner's endpoint owner; for ADD the endpoint lands in recv. The answer's r0. */
static long cred_call(uint64_t owner, uint64_t op, uint64_t a0, const struct proc *pr,
                      uint64_t recv)
{
    struct cx_ipcbuf *b = cx_ipcbuf();
    const struct rt_creds *c = &pr->cred;
    uint32_t n = c->ngroups < FS_CRED_GROUPS ? c->ngroups : FS_CRED_GROUPS;
    b->words[4] = n; /* a3 */
    b->words[5] = 0;
    for (uint32_t k = 0; k < n; k += 2)
        b->words[6 + k / 2] = c->groups[k] | (k + 1 < n ? (uint64_t)c->groups[k + 1] << 32 : 0);
    struct cx_msg m = {.tag = CX_TAG(FS_LABEL_REQUEST, 6 + (n + 1) / 2, 0)};
    m.w[0] = op;
    m.w[1] = a0;
    m.w[2] = c->uid.fs | (uint64_t)c->gid.fs << 32;
    m.w[3] = c->cap_eff & FS_CAP_SET;
    b->recv_slots[0] = recv;
    long err = cx_call(owner, &m); /* bounded: LAUNCHER_CALL_TIMEOUT_NS */
    b->recv_slots[0] = 0;
    if (err)
        return -EIO;
    if (recv && (long)m.w[0] > 0 && CX_TAG_CAPS(m.tag) != 1)
        return -EIO;
    return (long)m.w[0];
}

/* Gives pr record k: a copy of endpoint sub_ep (sub-client num of session id) of its own,
 * and from that the copy at the session's slot in its domain: 0 or -EINVAL. */
static long install(struct proc *pr, unsigned k, unsigned id, uint32_t num, uint64_t sub_ep)
{
    struct shared *sh = &shared[id];
    uint64_t own = cx_slot_alloc();
    if (!own)
        return -EINVAL;
    if (cx_cap_copy(sub_ep, CX_SLOT_SELF_PD, own, CX_R_WRITE, 0) ||
        cx_cap_copy(own, pr->pd, sh->slot_notif, CX_R_WRITE, 0)) {
        cx_cap_revoke(own);
        cx_cap_delete(own);
        cx_slot_free(own);
        return -EINVAL;
    }
    pr->fs_subs[k] = (struct proc_fs_sub){.id = id, .num = num, .ep = sub_ep, .own = own};
    sh->sub_refs[num]++;
    return 0;
}

/* A free record of pr's, or PROC_FS_SUBS (said in the log). */
static unsigned free_record(const struct proc *pr)
{
    unsigned k = 0;
    while (k < PROC_FS_SUBS && pr->fs_subs[k].id)
        k++;
    if (k == PROC_FS_SUBS)
        cx_printf("posix-spawn: pid %d holds %u File_system sessions already: EMFILE\n", pr->pid,
                  PROC_FS_SUBS);
    return k;
}

long subclient_give(struct proc *pr, unsigned id)
{
    static bool old_logged;
    struct shared *sh = &shared[id];
    unsigned k = free_record(pr);
    if (k == PROC_FS_SUBS)
        return -EMFILE;
    uint64_t slot = cx_slot_alloc();
    if (!slot)
        return -ENOMEM;
    long r = cred_call(sh->notif, FS_CLIENT_ADD, (uint64_t)pr->pid, pr, slot);
    if (r == -ENOSYS) { /* a server without sub-clients: the owner's endpoint, as before */
        cx_slot_free(slot);
        if (!old_logged)
            cx_printf("posix-spawn: a File_system server knows no sub-clients: pid %d gets the "
                      "session's own endpoint (its credentials are not checked there)\n",
                      pr->pid);
        old_logged = true;
        return cx_cap_copy(sh->notif, pr->pd, sh->slot_notif, CX_R_WRITE, 0) ? -EINVAL : 0;
    }
    if (r <= 0 || r > FS_MAX_SUBCLIENTS || sh->sub_refs[r]) {
        if (r > 0) /* a number the server has given already, or none it may give */
            cx_raw_ipc_call(sh->notif, CX_TAG(FS_LABEL_REQUEST, 4, 0), FS_CLIENT_DROP, (uint64_t)r,
                            0, 0);
        cx_cap_delete(slot); /* nothing, or what came with a bad answer */
        cx_slot_free(slot);
        return r < 0 ? r : -EIO;
    }
    if (install(pr, k, id, (uint32_t)r, slot)) {
        cx_raw_ipc_call(sh->notif, CX_TAG(FS_LABEL_REQUEST, 4, 0), FS_CLIENT_DROP, (uint64_t)r, 0,
                        0);
        cx_cap_delete(slot);
        cx_slot_free(slot);
        return -EINVAL;
    }
    return 0;
}

long subclient_share(struct proc *parent, struct proc *child, unsigned id)
{
    for (unsigned j = 0; j < PROC_FS_SUBS; j++) {
        const struct proc_fs_sub *p = &parent->fs_subs[j];
        if (p->id != id)
            continue;
        unsigned k = free_record(child);
        if (k == PROC_FS_SUBS)
            return -EMFILE;
        return install(child, k, id, p->num, p->ep);
    }
    return subclient_give(child, id); /* the parent has none of its own (an old server) */
}

/* Takes record s of pr's: its copies go; the sub-client goes with its last process. */
static void take_away(struct proc_fs_sub *s)
{
    struct shared *sh = &shared[s->id];
    cx_cap_revoke(s->own); /* the process's copies, wherever it moved them */
    cx_cap_delete(s->own);
    cx_slot_free(s->own);
    if (sh->sub_refs[s->num] && --sh->sub_refs[s->num] == 0) {
        cx_raw_ipc_call(sh->notif, CX_TAG(FS_LABEL_REQUEST, 4, 0), FS_CLIENT_DROP, s->num, 0, 0);
        cx_cap_revoke(s->ep);
        cx_cap_delete(s->ep);
        cx_slot_free(s->ep);
    }
    memset(s, 0, sizeof(*s));
}

void subclients_setcreds(struct proc *pr)
{
    for (unsigned k = 0; k < PROC_FS_SUBS; k++) {
        struct proc_fs_sub *s = &pr->fs_subs[k];
        if (!s->id)
            continue;
        unsigned id = s->id;
        if (shared[id].sub_refs[s->num] > 1) { /* others share it: one of pr's own */
            take_away(s);
            if (subclient_give(pr, id) < 0)
                cx_printf("posix-spawn: pid %d changed its credentials and has no endpoint of "
                          "a File_system session now\n",
                          pr->pid);
            continue;
        }
        long r = cred_call(shared[id].notif, FS_SETCREDS, s->num, pr, 0);
        if (r < 0) /* the server is gone or stuck: its endpoint goes, so the old ids go */
            take_away(s);
    }
}

void subclient_drop(struct proc *pr, unsigned id)
{
    for (unsigned k = 0; k < PROC_FS_SUBS; k++)
        if (pr->fs_subs[k].id == id)
            take_away(&pr->fs_subs[k]);
}

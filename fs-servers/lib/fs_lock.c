/*
 * File locks in a file-system server (fs_lock.h, docs/locks.md). A file with locks has
 * an entry (holding a reference to its node) with two growing tables, fcntl locks and
 * flock locks, which never conflict with each other (as on Linux). The entry goes with
 * its last lock. Waits never happen here: a conflict is -EAGAIN, and a WAIT request
 * also records "owner waits for the conflicting owner" until FS_LOCK_WAIT_NS passes
 * without the owner asking again, so that a wait that would close a cycle is EDEADLK.
 * Everything is bounded: FS_SESSION_MAX_LOCKS locks per session, FS_FILE_MAX_LOCKS per
 * table, FS_MAX_WAITS waits (the oldest expired one is replaced; none free: no record).
 */
#include "fs_lock.h"

#include <capix/fs_protocol.h>
#include <string.h>
#include <vfs/plugin.h>

#define FS_FILE_MAX_LOCKS 1024u
#define FS_MAX_WAITS 64u
#define FS_LOCK_WAIT_NS 500000000ull /* a wait is forgotten when not asked again within */

struct fs_lockfile {
    struct vfs_node *node; /* one reference */
    struct rl_table t[2];  /* fcntl (record and OFD) locks, flock locks */
    struct fs_lockfile *next;
};

struct fs_wait {
    uint64_t owner, blocker, until; /* until 0: free */
};

struct fs_locks {
    struct fs_lockfile *files;
    struct fs_wait waits[FS_MAX_WAITS];
};

static struct fs_lockfile *file_find(struct fs_locks *l, struct vfs_node *node)
{
    for (struct fs_lockfile *f = l ? l->files : NULL; f; f = f->next)
        if (f->node == node)
            return f;
    return NULL;
}

static void file_free(struct fs_locks *l, const struct vfs_env *env, struct fs_lockfile *f)
{
    for (struct fs_lockfile **pp = &l->files; *pp; pp = &(*pp)->next)
        if (*pp == f) {
            *pp = f->next;
            break;
        }
    for (unsigned k = 0; k < 2; k++)
        vfs_free(env, f->t[k].locks, f->t[k].cap * sizeof(struct rl_lock));
    vfs_node_put(f->node);
    vfs_free(env, f, sizeof *f);
}

/* Doubles table t (up to FS_FILE_MAX_LOCKS): 0 or -ENOLCK. */
static int table_grow(const struct vfs_env *env, struct rl_table *t)
{
    unsigned cap = t->cap ? t->cap * 2 : 8;
    if (cap > FS_FILE_MAX_LOCKS)
        return -ENOLCK;
    struct rl_lock *n = vfs_zalloc(env, cap * sizeof *n);
    if (!n)
        return -ENOLCK;
    if (t->n)
        memcpy(n, t->locks, t->n * sizeof *n);
    vfs_free(env, t->locks, t->cap * sizeof *n);
    t->locks = n;
    t->cap = cap;
    return 0;
}

static void wait_forget(struct fs_locks *l, uint64_t owner)
{
    for (unsigned i = 0; i < FS_MAX_WAITS; i++)
        if (l->waits[i].until && l->waits[i].owner == owner)
            l->waits[i].until = 0;
}

/* Records that owner waits for blocker, unless that closes a cycle (-EDEADLK). */
static int wait_record(struct fs_locks *l, uint64_t owner, uint64_t blocker, uint64_t now)
{
    uint64_t who[FS_MAX_WAITS], whom[FS_MAX_WAITS];
    unsigned n = 0, slot = FS_MAX_WAITS;
    for (unsigned i = 0; i < FS_MAX_WAITS; i++) {
        struct fs_wait *w = &l->waits[i];
        if (w->until && w->until <= now)
            w->until = 0; /* expired: its owner stopped asking */
        if (w->until && w->owner != owner) {
            who[n] = w->owner;
            whom[n++] = w->blocker;
        } else if (slot == FS_MAX_WAITS) {
            slot = i; /* free, or owner's own (replaced) */
        }
    }
    if (rl_would_deadlock(who, whom, n, owner, blocker))
        return -EDEADLK;
    wait_forget(l, owner);
    if (slot < FS_MAX_WAITS)
        l->waits[slot] = (struct fs_wait){owner, blocker, now + FS_LOCK_WAIT_NS};
    return 0;
}

static int32_t pid_of(uint64_t owner)
{
    return (owner & FS_LOCK_OWNER_HANDLE) ? -1 : (int32_t)(owner & 0x7fffffffu);
}

int64_t fs_lock_request(struct fs_locks **lp, const struct vfs_env *env, struct vfs_node *node,
                        unsigned cmd, int type, unsigned table, uint64_t owner, int64_t start,
                        int64_t end, uint64_t now, uint32_t *held, int64_t r[5])
{
    struct fs_lockfile *f;
    int c, rc;
    if (!*lp) {
        *lp = vfs_zalloc(env, sizeof **lp);
        if (!*lp)
            return -ENOMEM;
    }
    struct fs_locks *l = *lp;
    f = file_find(l, node);
    if (cmd == FS_LOCK_GET) {
        c = f && type != RL_UNLOCK ? rl_conflict(&f->t[table], owner, type, start, end) : -1;
        if (c >= 0) {
            const struct rl_lock *k = &f->t[table].locks[c];
            r[1] = k->type;
            r[2] = k->start;
            r[3] = k->end;
            r[4] = pid_of(k->owner);
        }
        return 0;
    }
    if (type != RL_UNLOCK && f) {
        c = rl_conflict(&f->t[table], owner, type, start, end);
        if (c >= 0) {
            if (cmd == FS_LOCK_WAIT && wait_record(l, owner, f->t[table].locks[c].owner, now))
                return -EDEADLK;
            return -EAGAIN;
        }
    }
    wait_forget(l, owner);
    if (type != RL_UNLOCK && *held + 2 > FS_SESSION_MAX_LOCKS)
        return -ENOLCK; /* a change adds at most two entries of the owner */
    if (!f) {
        if (type == RL_UNLOCK)
            return 0;
        f = vfs_zalloc(env, sizeof *f);
        if (!f)
            return -ENOLCK;
        f->node = node;
        vfs_node_get(node);
        f->next = l->files;
        l->files = f;
    }
    struct rl_table *t = &f->t[table];
    unsigned before = rl_count_owner(t, owner);
    for (;;) {
        rc = rl_set(t, owner, type, start, end);
        if (rc != -ENOLCK || table_grow(env, t) < 0)
            break;
    }
    if (rc == 0) {
        unsigned after = rl_count_owner(t, owner);
        *held = after >= before ? *held + (after - before)
                                : (*held > before - after ? *held - (before - after) : 0);
    }
    if (!f->t[0].n && !f->t[1].n)
        file_free(l, env, f);
    return rc;
}

void fs_lock_release(struct fs_locks **lp, const struct vfs_env *env, struct vfs_node *node,
                     uint64_t mask, uint64_t value, uint32_t *held)
{
    struct fs_locks *l = *lp;
    if (!l)
        return;
    for (unsigned i = 0; i < FS_MAX_WAITS; i++)
        if (l->waits[i].until && (l->waits[i].owner & mask) == value)
            l->waits[i].until = 0;
    for (struct fs_lockfile *f = l->files, *next; f; f = next) {
        next = f->next;
        if (node && f->node != node)
            continue;
        for (unsigned k = 0; k < 2; k++)
            for (unsigned i = 0; i < f->t[k].n;)
                if ((f->t[k].locks[i].owner & mask) == value) {
                    f->t[k].locks[i] = f->t[k].locks[--f->t[k].n];
                    if (*held)
                        --*held;
                } else {
                    i++;
                }
        if (!f->t[0].n && !f->t[1].n)
            file_free(l, env, f);
    }
}

void fs_lock_destroy(struct fs_locks **lp, const struct vfs_env *env)
{
    struct fs_locks *l = *lp;
    if (!l)
        return;
    while (l->files)
        file_free(l, env, l->files);
    vfs_free(env, l, sizeof *l);
    *lp = NULL;
}

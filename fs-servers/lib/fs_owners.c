/*
 * Who holds a session's references, for FS_GONE. The processes that share a session
 * (fork children) take and drop node and handle references on it, and the server counts
 * them per session (fs_table.c); a process that ends without giving its references back
 * (killed) would leave them counted until the session's end. So each reference taken is
 * also counted under the pid the client has written in the buffer's lock while it asks
 * (the client's word, like a record lock's pid: the processes of a session are one
 * client, and nothing here reaches beyond the session), in a per-session table of
 * records (kind, number, pid) -> count; FS_GONE (from the launcher, for a process that
 * ended so) drops what the pid's records count, as its closes would have.
 *
 * Invariant: for each number the counts of its records add up to at most its references
 * (the entry's or the handle's refs). A reference taken without a pid (0) or without
 * room for a record is not recorded (the session's end takes it); one dropped under a
 * pid that has no record of it takes one from another record of the number, if any; a
 * number's records go when it does. So FS_GONE never drops more than a number holds,
 * and a client that lies about pids only misplaces its own references.
 *
 * The table: open addressing on (kind, number), linear probing, so that every record
 * of a number lies on its probe run; a record whose count fell to 0 stays as a
 * tombstone until the table is rebuilt: when records and tombstones fill 3/4 of it, or
 * tombstones an eighth, into a table a quarter full, so that probe runs stay short (an
 * add scans its whole run: every fork child takes and gives back a reference to each
 * node its parent keeps, and with tombstones let fill 3/4 of the table an add scanned
 * hundreds of slots: 37,000 instructions a fork of fork_wait); at most
 * FS_SESSION_MAX_OWNED records.
 */
#include "fs_server_internal.h"

static uint32_t owned_hash(const struct fs_session *ss, unsigned kind, uint64_t num)
{
    uint64_t k = (num ^ ((uint64_t)kind << 62)) * 0x9e3779b97f4a7c15ull;
    return (uint32_t)(k >> 32) & (ss->ocap - 1);
}

/* Moves the live records into a table of cap slots; 0 or -ENOMEM (nothing changed). */
static int owned_rebuild(struct fs_session *ss, uint32_t cap)
{
    const struct vfs_env *env = &ss->s->env;
    struct fs_owned *old = ss->owned, *t = vfs_zalloc(env, (size_t)cap * sizeof *t);
    uint32_t ocap = ss->ocap, i, j;
    if (!t)
        return -ENOMEM;
    ss->owned = t;
    ss->ocap = cap;
    ss->oused = 0;
    for (i = 0; i < ocap; i++) {
        if (!old[i].count)
            continue;
        for (j = owned_hash(ss, old[i].kind, old[i].num); t[j].num; j = (j + 1) & (cap - 1))
            ;
        t[j] = old[i];
        ss->oused++;
    }
    vfs_free(env, old, (size_t)ocap * sizeof *old);
    return 0;
}

void fs_owned_add(struct fs_session *ss, unsigned kind, uint64_t num)
{
    struct fs_owned *r;
    uint32_t i, tomb = UINT32_MAX;
    if (!ss->pid || !num)
        return;
    if ((ss->oused + 1) * 4 > ss->ocap * 3 || ss->oused - ss->olive > ss->ocap / 8) {
        uint32_t cap = 16;
        while (cap < (ss->olive + 1) * 4)
            cap *= 2;
        if (ss->olive >= FS_SESSION_MAX_OWNED || owned_rebuild(ss, cap) < 0)
            return; /* not recorded: the session's end takes it */
    }
    for (i = owned_hash(ss, kind, num); ss->owned[i].num; i = (i + 1) & (ss->ocap - 1)) {
        r = &ss->owned[i];
        if (!r->count) {
            if (tomb == UINT32_MAX)
                tomb = i;
        } else if (r->num == num && r->kind == kind && r->pid == ss->pid) {
            if (r->count < UINT32_MAX)
                r->count++;
            return;
        }
    }
    if (tomb == UINT32_MAX) {
        tomb = i;
        ss->oused++;
    }
    ss->owned[tomb] =
        (struct fs_owned){.num = num, .pid = ss->pid, .kind = (uint16_t)kind, .count = 1};
    ss->olive++;
}

void fs_owned_sub(struct fs_session *ss, unsigned kind, uint64_t num)
{
    struct fs_owned *other = NULL, *r;
    uint32_t i;
    if (!ss->owned)
        return;
    for (i = owned_hash(ss, kind, num); ss->owned[i].num; i = (i + 1) & (ss->ocap - 1)) {
        r = &ss->owned[i];
        if (!r->count || r->num != num || r->kind != kind)
            continue;
        if (r->pid == ss->pid) {
            other = r;
            break;
        }
        if (!other)
            other = r;
    }
    if (other && !--other->count)
        ss->olive--;
}

void fs_owned_forget(struct fs_session *ss, unsigned kind, uint64_t num)
{
    struct fs_owned *r;
    uint32_t i;
    if (!ss->owned)
        return;
    for (i = owned_hash(ss, kind, num); ss->owned[i].num; i = (i + 1) & (ss->ocap - 1)) {
        r = &ss->owned[i];
        if (r->count && r->num == num && r->kind == kind) {
            r->count = 0;
            ss->olive--;
        }
    }
}

void fs_owned_gone(struct fs_session *ss, uint32_t pid)
{
    uint32_t i;
    for (i = 0; i < ss->ocap; i++) {
        struct fs_owned *r = &ss->owned[i];
        uint32_t n = r->count;
        if (!n || r->pid != pid)
            continue;
        r->count = 0;
        ss->olive--;
        if (r->kind == FS_OWN_NODE) {
            struct fs_ent *e = fs_ent_get(ss, r->num);
            if (!e)
                continue;
            e->refs -= n < e->refs ? n : e->refs;
            if (!e->refs)
                fs_ent_drop(ss->s, e); /* forgets the number's other records */
        } else {
            struct fs_handle *h = fs_handle_get(ss, r->num);
            if (!h)
                continue;
            h->refs -= n < h->refs ? n : h->refs;
            if (!h->refs)
                fs_handle_drop(ss, h);
        }
    }
}

void fs_owned_free(struct fs_session *ss)
{
    vfs_free(&ss->s->env, ss->owned, (size_t)ss->ocap * sizeof *ss->owned);
    ss->owned = NULL;
    ss->ocap = ss->oused = ss->olive = 0;
}

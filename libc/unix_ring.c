/*
 * AF_UNIX sockets: the shared objects and their rings (docs/unix-sockets.md; unix.c has
 * the design, the sockets and their file system).
 *
 * The data path is the pipes' (pipe.c): a connection is one pipe-sized shared object
 * (a header page and 64 KiB: two rings of 32 KiB, one per direction) and a
 * notification, made by the launcher, copied to fork children, mapped at the same
 * address in every holder (a pipe area of RT_PIPES_BASE). Side 0 writes ring 0 and reads
 * ring 1, side 1 the other way. The header begins with a pipe's header (struct
 * rt_pipe_ring), whose `readers` count side 0's open descriptions of all processes and
 * `writers` side 1's, so that the launcher takes a killed process's ends out of them
 * as it does for pipes (pipes_forget): the peer then sees end of file or EPIPE.
 * Datagram and seqpacket rings hold records (a struct rec header, then the bytes).
 *
 * Everything read from a shared header is untrusted (another process of the sandbox
 * may write anything there): indices are read once and checked, a ring whose counts
 * make no sense is EIO, lengths are clamped; nothing here indexes by a shared value
 * without a bound. Writers (and readers) of one direction serialise on a spin lock in
 * the header, so a datagram is written and taken whole. Waiters count themselves in
 * the header and sleep on its change counts (unix_wake_side, unix.c's waits).
 */
#include <string.h>
#include "unix.h"

/* ---- shared objects ---- */

/* A lock held longer than this was left by a process that ended inside it: it is taken
 * over (safe: the holders publish head or tail only at the end). */
#define LOCK_STEAL_NS 1000000000ull

static void spin_lock(volatile int32_t *l)
{
    uint64_t start = 0;
    for (unsigned i = 0; __atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE); i++) {
        if ((i & 255) == 255) {
            uint64_t now = cx_clock_ns();
            if (!start) {
                start = now;
            } else if (now - start > LOCK_STEAL_NS) {
                static bool said;
                if (!said) {
                    said = true;
                    rt_log("[runtime] AF_UNIX: a ring lock held for over 1 s is taken over\n");
                }
                return;
            }
        }
        cx_yield();
    }
}

static void spin_unlock(volatile int32_t *l)
{
    __atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

/* Counts a change for side's waiters of kind and wakes those asleep. */
static void bump(struct area *a, int side, int kind)
{
    /* the count first, then the sleepers: a waiter counts itself in waiters before it
     * reads ev (both sequentially consistent), so either it sees this change or this
     * sees it waiting; and its futex wait compares ev, so a change in between ends it */
    __atomic_add_fetch(&a->h->ev[side][kind], 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&a->h->waiters[side][kind], __ATOMIC_SEQ_CST)) {
        uint64_t woken;
        cx_futex_wake(rt->slot_pd, (uint64_t)&a->h->ev[side][kind], 1u << 30, &woken);
    }
}

void unix_wake_kind(struct area *a, int side, int kind)
{
    bump(a, side & 1, kind & 1);
    cx_notif_signal(a->slot_notif, 1); /* poll and select wait on the notification */
}

void unix_wake_side(struct area *a, int side)
{
    for (int d = 0; d < 2; d++)
        if (side < 0 || d == side)
            bump(a, d, WAIT_IN), bump(a, d, WAIT_OUT);
    cx_notif_signal(a->slot_notif, 1);
}

void unix_wake(struct area *a)
{
    unix_wake_side(a, -1);
}

/* Counts n descriptions of side in a's header (and this process's share of them). */
int32_t unix_count(struct area *a, int side, int32_t n)
{
    unsigned i = (unsigned)rt->proc_index % RT_MAX_PROCS;
    struct rt_pipe_ring *c = &a->h->counts;
    __atomic_add_fetch(side ? &c->writers_of[i] : &c->readers_of[i], n, __ATOMIC_ACQ_REL);
    return __atomic_add_fetch(side ? &c->writers : &c->readers, n, __ATOMIC_ACQ_REL);
}

void unix_count_inflight(struct area *a, int side, int32_t n)
{
    struct rt_pipe_ring *c = &a->h->counts;
    __atomic_add_fetch(side ? &c->writers : &c->readers, n, __ATOMIC_ACQ_REL);
}

int32_t unix_counted(const struct area *a, int side)
{
    return __atomic_load_n(side ? &a->h->counts.writers : &a->h->counts.readers, __ATOMIC_ACQUIRE);
}

void unix_area_put(struct area *a)
{
    if (!a || --a->refs)
        return;
    cx_unmap(rt->slot_pd, a->va, RT_PIPE_AREA / CX_PAGE_SIZE);
    cx_cap_delete(a->slot_mem);
    cx_cap_delete(a->slot_notif);
    rt_slot_free(a->slot_mem);
    rt_slot_free(a->slot_notif);
    cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_SHARED_DROP, 1, 0), a->id, 0, 0, 0);
    rt_pipe_area_give(a->va);
    rt_free(a, sizeof(*a));
}

/* A new object (named false), or the object of key (dev, ino) in the launcher's table,
 * mapped here with one reference: 0 or -errno. */
static long area_get(int how, uint64_t dev, uint64_t ino, struct area **out);

long unix_area_get(bool named, uint64_t dev, uint64_t ino, struct area **out)
{
    return area_get(named ? 1 : 0, dev, ino, out);
}

long unix_area_adopt(uint64_t ticket, struct area **out)
{
    return area_get(2, ticket, 0, out);
}

/* As unix_area_get: how 0 a new object, 1 the object of key (dev, ino), 2 the object of
 * the launcher's ticket dev (a received descriptor). */
static long area_get(int how, uint64_t dev, uint64_t ino, struct area **out)
{
    struct area *a = rt_alloc(sizeof(*a));
    if (!a)
        return -ENOMEM;
    memset(a, 0, sizeof(*a));
    long rc = -ENFILE;
    a->va = rt_pipe_area_take();
    a->slot_mem = rt_slot_alloc();
    a->slot_notif = rt_slot_alloc();
    if (!a->va)
        goto fail;
    rc = -ENOMEM;
    if (!a->slot_mem || !a->slot_notif)
        goto fail;
    struct cx_ret r =
        how == 1   ? cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_UNIX, 4, 0), dev, ino, a->slot_mem,
                                     a->slot_notif)
        : how == 2 ? cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_PASS, 4, 0), RT_PASS_TAKE, dev,
                                     a->slot_mem, a->slot_notif)
                   : cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_SHARED_NEW, 3, 0),
                                     RT_PIPE_AREA / CX_PAGE_SIZE, a->slot_mem, a->slot_notif, 0);
    long id = r.err ? -ENOMEM : (long)r.rdx;
    if (id <= 0) {
        rc = id < 0 ? id : -ENOMEM;
        goto fail;
    }
    if (cx_map(rt->slot_pd, a->slot_mem, 0, a->va, RT_PIPE_AREA / CX_PAGE_SIZE,
               CX_MAP_R | CX_MAP_W | CX_MAP_SHARE)) {
        cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_SHARED_DROP, 1, 0), (uint64_t)id, 0, 0, 0);
        goto fail;
    }
    a->id = (uint64_t)id;
    a->key = ino;
    a->refs = 1;
    a->h = (struct unix_hdr *)a->va;
    a->data = (uint8_t *)a->va + CX_PAGE_SIZE;
    *out = a;
    return 0;
fail:
    cx_cap_delete(a->slot_mem);
    cx_cap_delete(a->slot_notif);
    if (a->slot_mem)
        rt_slot_free(a->slot_mem);
    if (a->slot_notif)
        rt_slot_free(a->slot_notif);
    if (a->va)
        rt_pipe_area_give(a->va);
    rt_free(a, sizeof(*a));
    return rc;
}

/* ---- rings ---- */

static void ring_copy(struct area *a, int d, uint64_t pos, void *buf, size_t n, bool out)
{
    uint8_t *ring = a->data + (unsigned)d * UNIX_RING;
    for (size_t done = 0; done < n;) {
        size_t at = (size_t)((pos + done) % UNIX_RING);
        size_t k = UNIX_RING - at < n - done ? UNIX_RING - at : n - done;
        if (out)
            memcpy((uint8_t *)buf + done, ring + at, k);
        else
            memcpy(ring + at, (const uint8_t *)buf + done, k);
        done += k;
    }
}

/* Bytes in ring d (its tail in *tail), or -1 if the counts are broken. */
int64_t unix_ring_used(struct area *a, int d, uint64_t *tail)
{
    uint64_t hd = __atomic_load_n(&a->h->head[d], __ATOMIC_ACQUIRE);
    uint64_t tl = __atomic_load_n(&a->h->tail[d], __ATOMIC_ACQUIRE);
    uint64_t used = hd - tl;
    if (tail)
        *tail = tl;
    return used > UNIX_RING ? -1 : (int64_t)used;
}

bool unix_records(uint32_t type)
{
    return type != SOCK_STREAM;
}

/* Whether the other side of s's connection is gone. A client's connection before the
 * accept: whether its listener is. */
static bool peer_gone(const struct usock *s)
{
    struct unix_hdr *h = s->conn->h;
    if (s->side == 1 && !__atomic_load_n(&h->accepted, __ATOMIC_ACQUIRE))
        return !s->target || unix_counted(s->target, 0) <= 0;
    return unix_counted(s->conn, !s->side) <= 0;
}

/* Linux's RCV_SHUTDOWN and SEND_SHUTDOWN of a connected socket: its own shutdown, the
 * peer's (connection-oriented types), or the peer gone. */
static bool rcv_shut(const struct usock *s)
{
    uint32_t own = __atomic_load_n(&s->conn->h->shut[s->side], __ATOMIC_ACQUIRE);
    uint32_t other = __atomic_load_n(&s->conn->h->shut[!s->side], __ATOMIC_ACQUIRE);
    if (own & SHUT_RD_BIT)
        return true;
    return s->type != SOCK_DGRAM && ((other & SHUT_WR_BIT) || peer_gone(s));
}

static bool snd_shut(const struct usock *s)
{
    uint32_t own = __atomic_load_n(&s->conn->h->shut[s->side], __ATOMIC_ACQUIRE);
    uint32_t other = __atomic_load_n(&s->conn->h->shut[!s->side], __ATOMIC_ACQUIRE);
    if (own & SHUT_WR_BIT)
        return true;
    return s->type != SOCK_DGRAM && ((other & SHUT_RD_BIT) || peer_gone(s));
}

/* Whether s has a reset to report: its peer went with data unread, or its listener went
 * before the accept (Linux: ECONNRESET, once, then end of file). */
static bool reset_pending(const struct usock *s)
{
    if (!s->conn || s->type == SOCK_DGRAM)
        return false;
    uint32_t r = __atomic_load_n(&s->conn->h->reset[s->side], __ATOMIC_ACQUIRE);
    if (r == RESET_PENDING)
        return true;
    return r == 0 && s->side == 1 && !__atomic_load_n(&s->conn->h->accepted, __ATOMIC_ACQUIRE) &&
           peer_gone(s);
}

/* Takes s's reset if it has one: true once. */
bool unix_take_reset(struct usock *s)
{
    if (!reset_pending(s))
        return false;
    return __atomic_exchange_n(&s->conn->h->reset[s->side], RESET_TOLD, __ATOMIC_ACQ_REL) !=
           RESET_TOLD;
}

/* Writes into ring d of a, without waiting: bytes of a stream (as many as fit), or one
 * record with the sender's name (NULL: unnamed); the count, -EAGAIN, -EMSGSIZE, -EIO. */
static int64_t ring_send(struct area *a, int d, uint32_t type, const void *buf, size_t n,
                         const struct name *from, int wake, const struct unix_rights *rights)
{
    uint32_t namelen = from ? from->len : 0;
    if (unix_records(type) && n > UNIX_RING - sizeof(struct rec) - NAME_MAX_UNIX)
        return -EMSGSIZE;
    if (!n && !unix_records(type))
        return 0;
    spin_lock(&a->h->wlock[d]);
    uint64_t head = __atomic_load_n(&a->h->head[d], __ATOMIC_ACQUIRE);
    uint64_t used = head - __atomic_load_n(&a->h->tail[d], __ATOMIC_ACQUIRE);
    uint64_t space = UNIX_RING - used;
    int64_t r;
    uint64_t end = head;
    struct unix_ctl *ctl = NULL;
    if (rights && rights->n) { /* a free place for the descriptors, or none */
        for (unsigned i = 0; i < UNIX_CTL_SLOTS && !ctl; i++)
            if (__atomic_load_n(&a->h->ctl[d][i].state, __ATOMIC_ACQUIRE) == CTL_FREE)
                ctl = &a->h->ctl[d][i];
    }
    if (used > UNIX_RING) {
        r = -EIO;
    } else if (rights && rights->n && !ctl) {
        r = -ETOOMANYREFS; /* (Linux: too many descriptors in flight) */
    } else if (unix_records(type)) {
        if (space < sizeof(struct rec) + namelen + n) {
            r = -EAGAIN;
        } else {
            struct rec hdr = {(uint32_t)n, namelen};
            ring_copy(a, d, head, &hdr, sizeof(hdr), false);
            ring_copy(a, d, head + sizeof(hdr), (void *)(from ? from->path : ""), namelen, false);
            ring_copy(a, d, head + sizeof(hdr) + namelen, (void *)buf, n, false);
            end = head + sizeof(hdr) + namelen + n;
            r = (int64_t)n;
        }
    } else if (!space) {
        r = -EAGAIN;
    } else {
        size_t k = n < space ? n : (size_t)space;
        ring_copy(a, d, head, (void *)buf, k, false);
        end = head + k;
        r = (int64_t)k;
    }
    if (ctl && r >= 0) { /* published before the head that shows the data */
        ctl->nfds = rights->n;
        ctl->pos = head;
        ctl->len = end - head;
        memcpy(ctl->ticket, rights->ticket, sizeof(ctl->ticket));
        memcpy(ctl->info, rights->info, sizeof(ctl->info));
        __atomic_store_n(&ctl->state, CTL_READY, __ATOMIC_RELEASE);
    }
    if (r >= 0)
        __atomic_store_n(&a->h->head[d], end, __ATOMIC_RELEASE);
    spin_unlock(&a->h->wlock[d]);
    if (r >= 0 && wake >= 0)
        unix_wake_kind(a, wake, WAIT_IN); /* data for the reader */
    else if (r >= 0)
        unix_wake(a);
    return r;
}

int64_t unix_conn_send(struct usock *s, const void *buf, size_t n, const struct unix_rights *rights)
{
    if (s->type == SOCK_DGRAM && peer_gone(s))
        return -ECONNREFUSED;
    if (snd_shut(s))
        return -EPIPE;
    return ring_send(s->conn, s->side, s->type, buf, n, NULL, !s->side,
                     rights); /* the reader's news */
}

/* Whether a datagram receiver (a bound name's object) can take a datagram now. */
static bool dest_ready(struct area *a)
{
    uint64_t used = a->h->head[0] - a->h->tail[0];
    return unix_counted(a, 0) <= 0 || used > UNIX_RING || UNIX_RING - used >= UNIX_RING / 4;
}

/* One datagram to receiver a (a bound datagram socket's object), without waiting. */
int64_t unix_dest_send(struct usock *s, struct area *a, const void *buf, size_t n,
                       const struct unix_rights *rights)
{
    uint32_t type = __atomic_load_n(&a->h->type, __ATOMIC_ACQUIRE);
    if (type && type != SOCK_DGRAM)
        return -EPROTOTYPE;
    if (unix_counted(a, 0) <= 0)
        return -ECONNREFUSED;
    return ring_send(a, 0, SOCK_DGRAM, buf, n, s->bound ? &s->name : NULL, -1, rights);
}

/* The next record of ring d at tail (used bytes in it): its header, checked; false if
 * the ring is broken. */
static bool rec_at(struct area *a, int d, uint64_t tail, int64_t used, struct rec *hdr)
{
    if (used < (int64_t)sizeof(*hdr))
        return false;
    ring_copy(a, d, tail, hdr, sizeof(*hdr), true);
    return hdr->namelen <= NAME_MAX_UNIX &&
           (uint64_t)hdr->len + hdr->namelen + sizeof(*hdr) <= (uint64_t)used;
}

/* One receive from ring d of a, without waiting: the count (*full: a record's whole
 * length), -EAGAIN when empty, -EIO when broken; the sender's name into from. */
/* Takes a message's descriptors out of the header into r (appended, up to its room). */
static void ctl_take(struct unix_ctl *c, struct unix_rights *r, unsigned room)
{
    uint32_t n = c->nfds;
    for (uint32_t i = 0; i < n && i < UNIX_SCM_MAX; i++) {
        if (r->n < room && r->n < UNIX_SCM_MAX) {
            r->ticket[r->n] = c->ticket[i];
            r->info[r->n++] = c->info[i];
        } else { /* no room (a broken header's count): given back at once */
            cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_PASS, 2, 0), RT_PASS_DROP, c->ticket[i], 0, 0);
        }
    }
    __atomic_store_n(&c->state, CTL_FREE, __ATOMIC_RELEASE);
}

/* The first message with descriptors in ring d from tail on (*off: its distance), or
 * NULL; one whose place makes no sense (its data gone) is taken into stale. Called with
 * the ring's read lock. */
static struct unix_ctl *ctl_next(struct area *a, int d, uint64_t tail, uint64_t *off,
                                 struct unix_rights *stale)
{
    struct unix_ctl *best = NULL;
    for (unsigned i = 0; i < UNIX_CTL_SLOTS; i++) {
        struct unix_ctl *c = &a->h->ctl[d][i];
        if (__atomic_load_n(&c->state, __ATOMIC_ACQUIRE) != CTL_READY)
            continue;
        uint64_t o = c->pos - tail;
        if (o >= UNIX_RING) {
            ctl_take(c, stale, UNIX_SCM_MAX);
            continue;
        }
        if (!best || o < *off)
            best = c, *off = o;
    }
    return best;
}

void unix_ctl_drain(struct area *a, int d)
{
    struct unix_rights r;
    for (unsigned i = 0; i < UNIX_CTL_SLOTS; i++) {
        r.n = 0;
        spin_lock(&a->h->rlock[d]);
        struct unix_ctl *c = &a->h->ctl[d][i];
        if (__atomic_load_n(&c->state, __ATOMIC_ACQUIRE) == CTL_READY)
            ctl_take(c, &r, UNIX_SCM_MAX);
        spin_unlock(&a->h->rlock[d]);
        unix_rights_drop(&r);
    }
}

static int64_t ring_recv(struct area *a, int d, uint32_t type, void *buf, size_t n, bool peek,
                         uint32_t *full, struct name *from, int wake, struct unix_rights *rights)
{
    struct unix_rights stale = {0};
    spin_lock(&a->h->rlock[d]);
    uint64_t tail, off = 0;
    int64_t used = unix_ring_used(a, d, &tail), r;
    if (used <= 0) {
        r = used < 0 ? -EIO : -EAGAIN;
        goto out;
    }
    struct unix_ctl *c = ctl_next(a, d, tail, &off, &stale);
    if (unix_records(type)) {
        struct rec hdr;
        if (!rec_at(a, d, tail, used, &hdr)) {
            r = -EIO;
            goto out;
        }
        if (c && off == 0 && !peek) /* the record's descriptors */
            ctl_take(c, rights, UNIX_SCM_MAX);
        if (from) {
            from->len = hdr.namelen;
            ring_copy(a, d, tail + sizeof(hdr), from->path, hdr.namelen, true);
            from->path[hdr.namelen] = 0;
        }
        size_t k = n < hdr.len ? n : hdr.len;
        ring_copy(a, d, tail + sizeof(hdr) + hdr.namelen, buf, k, true);
        *full = hdr.len;
        if (!peek)
            __atomic_store_n(&a->h->tail[d], tail + sizeof(hdr) + hdr.namelen + hdr.len,
                             __ATOMIC_RELEASE);
        r = (int64_t)k;
    } else {
        size_t k = n < (uint64_t)used ? n : (size_t)used;
        if (c && off < k) {
            /* the bytes that came with descriptors: they are taken with the first of
             * them, and a receive ends with them (Linux: the skb that had them) */
            uint64_t len = c->len < UNIX_RING ? c->len : UNIX_RING;
            if (off + len < k)
                k = (size_t)(off + len);
            if (!peek)
                ctl_take(c, rights, UNIX_SCM_MAX);
        }
        ring_copy(a, d, tail, buf, k, true);
        if (!peek)
            __atomic_store_n(&a->h->tail[d], tail + k, __ATOMIC_RELEASE);
        *full = (uint32_t)k;
        r = (int64_t)k;
    }
out:
    spin_unlock(&a->h->rlock[d]);
    unix_rights_drop(&stale);
    if ((r > 0 || (r == 0 && unix_records(type))) && wake >= 0)
        unix_wake_kind(a, wake, WAIT_OUT); /* room for the writer */
    else if (r > 0 || (r == 0 && unix_records(type)))
        unix_wake(a);
    return r;
}

/* The ring a socket receives from: a connection's other direction, or a bound datagram
 * socket's own (ring 0 of its listener). */
static struct area *rx_area(struct usock *s, int *d)
{
    if (s->conn) {
        *d = !s->side;
        return s->conn;
    }
    *d = 0;
    return s->type == SOCK_DGRAM && s->bound ? s->lst : NULL;
}

/* One receive without waiting: count, 0 at end of file, -EAGAIN, -errno. */
int64_t unix_sock_recv(struct usock *s, void *buf, size_t n, bool peek, uint32_t *full,
                       struct name *from, struct unix_rights *rights)
{
    int d;
    struct area *a = rx_area(s, &d);
    *full = 0;
    if (from)
        from->len = 0;
    if (!a)
        return s->type == SOCK_DGRAM ? -EAGAIN : -EINVAL;
    /* room for the ring's writer: a connection's peer (side d writes ring d); others: all */
    struct unix_rights none = {0};
    int64_t r = ring_recv(a, d, s->type, buf, n, peek, full, from, s->conn ? d : -1,
                          rights ? rights : &none);
    unix_rights_drop(&none); /* a receive without a place for them: closed, as on Linux */
    if (r == -EAGAIN && s->conn && rcv_shut(s))
        return unix_take_reset(s) ? -ECONNRESET : 0;
    return r;
}

unsigned unix_upoll(struct usock *s)
{
    unsigned ev = 0;
    if (s->listening) {
        struct unix_hdr *h = s->lst->h;
        for (unsigned i = 0; i < UNIX_BACKLOG; i++)
            if (__atomic_load_n(&h->slot[i].state, __ATOMIC_ACQUIRE) == SLOT_WAITING)
                return POLLIN | POLLRDNORM;
        return 0;
    }
    int d;
    struct area *a = rx_area(s, &d);
    if (a && unix_ring_used(a, d, NULL) != 0)
        ev |= POLLIN | POLLRDNORM; /* data, or a broken ring (read says EIO) */
    if (!s->conn && s->dest)
        return ev | (dest_ready(s->dest) ? POLLOUT | POLLWRNORM : 0);
    if (!s->conn)
        return ev | POLLOUT | POLLWRNORM | (s->type == SOCK_DGRAM ? 0 : POLLHUP);
    bool rs = rcv_shut(s), ss = snd_shut(s);
    if (reset_pending(s))
        ev |= POLLERR;
    if (rs)
        ev |= POLLIN | POLLRDNORM | POLLRDHUP;
    if (rs && ss)
        ev |= POLLHUP;
    int64_t used = unix_ring_used(s->conn, s->side, NULL);
    if (ss || (used >= 0 && UNIX_RING - (uint64_t)used >= UNIX_RING / 4))
        ev |= POLLOUT | POLLWRNORM;
    return ev;
}

/* The bytes queued on s: unsent in its own ring (out: SIOCOUTQ), or waiting to be read
 * (FIONREAD: a datagram socket's next record, a seqpacket socket's records, a stream's
 * bytes); 0 for a broken ring. */
int unix_queued(struct usock *s, bool out)
{
    int n = 0;
    if (out) {
        int64_t used = s->conn ? unix_ring_used(s->conn, s->side, NULL) : 0;
        return used > 0 ? (int)used : 0;
    }
    int d;
    struct area *a = rx_area(s, &d);
    uint64_t tail;
    int64_t used = a ? unix_ring_used(a, d, &tail) : 0;
    if (used > 0 && !unix_records(s->type)) {
        n = (int)used;
    } else if (used > 0) { /* a datagram: the next one; seqpacket: all of them */
        struct rec hdr;
        spin_lock(&a->h->rlock[d]);
        for (uint64_t at = 0; at < (uint64_t)used;) {
            if (!rec_at(a, d, tail + at, used - (int64_t)at, &hdr))
                break;
            n += (int)hdr.len;
            at += sizeof(hdr) + hdr.namelen + hdr.len;
            if (s->type == SOCK_DGRAM)
                break;
        }
        spin_unlock(&a->h->rlock[d]);
    }
    return n;
}

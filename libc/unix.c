/*
 * AF_UNIX sockets between the processes of one sandbox (docs/unix-sockets.md).
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
 * socketpair makes the object (RT_LABEL_SHARED_NEW). Named sockets meet through the
 * launcher's table of FIFOs, kind "unix" (RT_LABEL_UNIX): the object of a key is made
 * by the first process that asks and shared by every later one until the last holder
 * drops it. A bound name's key is the socket file's (st_dev, st_ino) (bind makes the
 * file with mknod S_IFSOCK), or a hash of an abstract name; its object (the "listener")
 * holds the listening count, the socket type, the name, and the backlog: UNIX_BACKLOG
 * slots, each naming a connection object by its key. The listening process makes those
 * connections in advance (keys of its pid and a counter) and holds them, so a client
 * that connects, writes and closes before the accept loses nothing. connect claims a
 * free slot (1 -> 2), gets the connection of its key, fills in its side and marks the
 * slot waiting (3, with an order); accept takes the oldest waiting slot (3 -> 4), gets
 * the connection (its own advance copy, or from the launcher), and puts a fresh one in
 * the slot. A client holds the listener until its socket goes, so that it sees the
 * listener's end before the accept.
 *
 * A bound datagram socket receives in ring 0 of its name's object: sendto a name writes
 * a record with the sender's name there (any process of the sandbox may), and connect of
 * a datagram socket holds its destination's object.
 *
 * Everything read from a shared header is untrusted (another process of the sandbox
 * may write anything there): indices are read once and checked, a ring whose counts
 * make no sense is EIO, lengths are clamped; nothing here indexes by a shared value
 * without a bound. Writers (and readers) of one direction serialise on a spin lock in
 * the header, so a datagram is written and taken whole.
 */
#include <string.h>
#include "unix.h"

static struct vfs_fs *unix_fs;
static struct usock *usocks;
static uint64_t next_ino = 1;

static const struct vfs_fs_ops unix_ops;

static struct usock *usock_of_node(struct vfs_node *n)
{
    if (!n || !n->fs || n->fs->ops != &unix_ops)
        return NULL;
    for (struct usock *s = usocks; s; s = s->next)
        if (&s->node == n)
            return s;
    return NULL;
}

bool rt_unix_file(struct vfs_file *f)
{
    return f && usock_of_node(f->node);
}

bool rt_unix_is(int fd)
{
    return rt_unix_file(vfs_fd_file(rt_vfs, fd));
}

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
static int64_t ring_used(struct area *a, int d, uint64_t *tail)
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
    int64_t used = ring_used(a, d, &tail), r;
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

/* ---- the file system of sockets ---- */

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
    if (a && ring_used(a, d, NULL) != 0)
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
    int64_t used = ring_used(s->conn, s->side, NULL);
    if (ss || (used >= 0 && UNIX_RING - (uint64_t)used >= UNIX_RING / 4))
        ev |= POLLOUT | POLLWRNORM;
    return ev;
}

static int64_t unix_read(struct vfs_file *f, void *buf, size_t n, uint64_t off)
{
    (void)off;
    uint32_t full;
    return unix_sock_recv(usock_of_node(f->node), buf, n, false, &full, NULL, NULL);
}

static int64_t unix_write(struct vfs_file *f, const void *buf, size_t n, uint64_t *off)
{
    (void)off;
    struct usock *s = usock_of_node(f->node);
    if (!s->conn && s->dest)
        return unix_dest_send(s, s->dest, buf, n, NULL);
    if (!s->conn)
        return -ENOTCONN;
    return unix_conn_send(s, buf, n, NULL);
}

static unsigned unix_poll(struct vfs_file *f, unsigned events)
{
    (void)events;
    return unix_upoll(usock_of_node(f->node));
}

static int unix_ioctl(struct vfs_file *f, unsigned long req, void *arg)
{
    struct usock *s = usock_of_node(f->node);
    int n = 0;
    if ((req == SIOCOUTQ || req == FIONREAD) && !rt_user_range((uint64_t)arg, sizeof(n)))
        return -EFAULT;
    if (req == SIOCOUTQ) {
        int64_t used = s->conn ? ring_used(s->conn, s->side, NULL) : 0;
        n = used > 0 ? (int)used : 0;
    } else if (req == FIONREAD) {
        int d;
        struct area *a = rx_area(s, &d);
        uint64_t tail;
        int64_t used = a ? ring_used(a, d, &tail) : 0;
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
    } else {
        return -ENOTTY;
    }
    memcpy(arg, &n, sizeof(n));
    return 0;
}

static int unix_getattr(struct vfs_node *n, struct linux_stat *st)
{
    (void)n;
    st->st_mode = S_IFSOCK | 0777;
    st->st_nlink = 1;
    st->st_uid = rt_uid;
    st->st_gid = rt_gid;
    st->st_blksize = 4096;
    return 0;
}

static int unix_open(struct vfs_file *f)
{
    struct usock *s = usock_of_node(f->node);
    f->stream = true;
    s->ndesc++;
    if (s->conn)
        unix_count(s->conn, s->side, 1);
    if (s->counts_lst)
        unix_count(s->lst, 0, 1);
    return 0;
}

static void unix_close(struct vfs_file *f)
{
    struct usock *s = usock_of_node(f->node);
    s->ndesc--;
    if (s->conn) {
        /* the side's last description, with data it did not read: the peer is reset */
        uint32_t none = 0;
        int32_t left = unix_count(s->conn, s->side, -1);
        if (left == 0 && s->type != SOCK_DGRAM && ring_used(s->conn, !s->side, NULL) != 0)
            __atomic_compare_exchange_n(&s->conn->h->reset[!s->side], &none, RESET_PENDING, false,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
        if (left == 0) /* descriptors sent to this side will never be received */
            unix_ctl_drain(s->conn, !s->side);
        unix_wake(s->conn); /* the peer may see end of file or EPIPE now */
    }
    if (s->counts_lst) {
        if (unix_count(s->lst, 0, -1) == 0 && !s->listening) /* a bound datagram socket's */
            unix_ctl_drain(s->lst, 0); /* descriptors will never be received */
        unix_wake(s->lst);
    }
}

/* The socket's last reference in this process went: its objects leave the process. */
static void unix_release(struct vfs_node *n)
{
    struct usock *s = usock_of_node(n);
    if (!s)
        return;
    if (s->lst && s->bound && s->name.len && !s->name.path[0])
        __atomic_sub_fetch(&s->lst->h->bound, 1, __ATOMIC_ACQ_REL); /* the abstract name */
    unix_area_put(s->conn);
    unix_area_put(s->lst);
    unix_area_put(s->target);
    unix_area_put(s->dest);
    for (unsigned i = 0; i < UNIX_BACKLOG; i++)
        unix_area_put(s->pre[i]);
    for (struct usock **pp = &usocks; *pp; pp = &(*pp)->next)
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    rt_free(s, sizeof(*s));
}

static const struct vfs_fs_ops unix_ops = {
    .getattr = unix_getattr,
    .open = unix_open,
    .close = unix_close,
    .release = unix_release,
    .read = unix_read,
    .write = unix_write,
    .poll = unix_poll,
    .ioctl = unix_ioctl,
};

static struct vfs_node unix_root;

static int unix_mount(const struct vfs_mount_args *a, struct vfs_fs **out)
{
    static struct vfs_fs fs;
    (void)a;
    fs.ops = &unix_ops;
    unix_root.fs = &fs;
    unix_root.type = S_IFDIR;
    unix_root.ino = next_ino++;
    unix_root.refs = 1;
    fs.root = &unix_root;
    *out = &fs;
    return 0;
}

static const struct vfs_plugin unix_plugin = {
    .name = "unix",
    .kind = VFS_PLUGIN_TREE,
    .mount = unix_mount,
};

void rt_unix_after_narrow(void)
{
    unix_fs = NULL;
}

/* A fork child: its inherited descriptions count too. */
void rt_unix_after_fork(void)
{
    for (struct usock *s = usocks; s; s = s->next) {
        if (s->conn)
            unix_count(s->conn, s->side, (int32_t)s->ndesc);
        if (s->counts_lst)
            unix_count(s->lst, 0, (int32_t)s->ndesc);
        if (s->lst && s->bound && s->name.len && !s->name.path[0])
            __atomic_add_fetch(&s->lst->h->bound, 1, __ATOMIC_ACQ_REL); /* one more holder */
    }
}

/* A new socket of type here (not yet open): 0 or -errno. */
long unix_usock_new(uint32_t type, struct usock **out)
{
    struct cfg_error err;
    if (!unix_fs && vfs_mount_hidden(rt_vfs, &unix_plugin, NULL, &unix_fs, &err))
        return -ENOMEM;
    struct usock *s = rt_alloc(sizeof(*s));
    if (!s)
        return -ENOMEM;
    memset(s, 0, sizeof(*s));
    s->type = type;
    s->node.fs = unix_fs;
    s->node.ino = next_ino++;
    s->node.type = S_IFSOCK;
    s->next = usocks;
    usocks = s;
    *out = s;
    return 0;
}

/* A descriptor for s (flags SOCK_NONBLOCK, SOCK_CLOEXEC): the fd, or -errno with s
 * released. */
long unix_usock_install(struct usock *s, uint32_t flags)
{
    struct vfs_file *f = NULL;
    int rc = vfs_file_open_node(&s->node, O_RDWR | (flags & O_NONBLOCK), &f);
    long fd = rc ? rc : vfs_install_fd(rt_vfs, f, 0, (flags & O_CLOEXEC) != 0);
    if (fd < 0) {
        if (f)
            vfs_file_put(f); /* releases the node */
        else
            unix_release(&s->node);
    }
    return fd;
}

struct usock *unix_fd_usock(int fd)
{
    return usock_of_node(vfs_fd_file(rt_vfs, fd) ? vfs_fd_file(rt_vfs, fd)->node : NULL);
}

/* Checks socket's type and flags: the type, or -errno. */
static long check_type(uint64_t type)
{
    uint32_t t = (uint32_t)type, base = t & SOCK_TYPE_MASK;
    if (base >= SOCK_TYPE_LIMIT ||
        (t & ~SOCK_TYPE_MASK & ~(uint32_t)(SOCK_NONBLOCK | SOCK_CLOEXEC)))
        return -EINVAL;
    if (base == 3) /* SOCK_RAW: Linux makes a datagram socket of it */
        return SOCK_DGRAM;
    if (base != SOCK_STREAM && base != SOCK_DGRAM && base != SOCK_SEQPACKET)
        return -ESOCKTNOSUPPORT;
    return base;
}

long rt_unix_socket(uint64_t type, uint64_t protocol)
{
    long base = check_type(type);
    if (base < 0)
        return base;
    if (protocol && protocol != AF_UNIX)
        return -EPROTONOSUPPORT;
    struct usock *s;
    long rc = unix_usock_new((uint32_t)base, &s);
    return rc ? rc : unix_usock_install(s, (uint32_t)type);
}

void unix_set_cred(struct unix_hdr *h, int side)
{
    h->cred[side][0] = (int32_t)rt_pid();
    h->cred[side][1] = (int32_t)rt_uid;
    h->cred[side][2] = (int32_t)rt_gid;
}

long unix_pass(struct usock *s, uint64_t *id, unsigned *counts, int delta)
{
    /* a listening socket, or a bound datagram socket connected to nobody: its name's
     * object, whose side 0 counts it */
    if (s->lst && s->counts_lst && !s->conn && !s->dest) {
        *id = s->lst->id;
        *counts = 1;
        unix_count_inflight(s->lst, 0, delta);
        return 0;
    }
    if (!s->conn)
        return -EOPNOTSUPP;
    *id = s->conn->id;
    *counts = s->side ? 2 : 1;
    unix_count_inflight(s->conn, s->side, delta);
    return 0;
}

/* A received listening socket (or bound datagram socket, listening false): its name's
 * object a (held), as a descriptor. */
static long adopt_listener(struct area *a, uint32_t type, bool listening, uint32_t status,
                           uint32_t fdflags)
{
    struct usock *s = NULL;
    long rc = unix_usock_new(type, &s);
    if (rc) {
        unix_area_put(a);
        return rc;
    }
    uint32_t len = __atomic_load_n(&a->h->namelen[0], __ATOMIC_ACQUIRE);
    if (len > NAME_MAX_UNIX)
        len = 0;
    memcpy(s->name.path, a->h->name[0], len);
    s->name.path[len] = 0;
    s->name.len = len;
    s->lst = a;
    s->bound = s->counts_lst = true;
    s->listening = listening;
    if (len && !s->name.path[0]) /* it holds the abstract name too (unix_release) */
        __atomic_add_fetch(&a->h->bound, 1, __ATOMIC_ACQ_REL);
    a->refs++;
    long fd = unix_usock_install(s, (status & O_NONBLOCK) | (fdflags & O_CLOEXEC));
    unix_count_inflight(a, 0, -1); /* the new description counts itself (unix_open) */
    unix_area_put(a);
    return fd;
}

long unix_adopt(uint64_t ticket, int side, uint32_t status, uint32_t fdflags)
{
    struct area *a;
    long rc = area_get(2, ticket, 0, &a);
    if (rc)
        return rc;
    uint32_t type = __atomic_load_n(&a->h->type, __ATOMIC_ACQUIRE);
    struct usock *s = NULL;
    if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
        rc = -EIO; /* a header no runtime of ours wrote */
    if (!rc && (side == 2 || (side == 3 && type == SOCK_DGRAM)))
        return adopt_listener(a, type, side == 2, status, fdflags);
    if (side > 1)
        rc = -EIO;
    if (!rc)
        rc = unix_usock_new(type, &s);
    if (rc) {
        unix_area_put(a);
        return rc;
    }
    s->conn = a;
    s->side = side & 1;
    uint32_t len = __atomic_load_n(&a->h->namelen[s->side], __ATOMIC_ACQUIRE);
    if (len > NAME_MAX_UNIX)
        len = 0;
    memcpy(s->name.path, a->h->name[s->side], len);
    s->name.path[len] = 0;
    s->name.len = len;
    /* the description counts itself now (unix_open); the one in flight goes */
    a->refs++;
    int sd = s->side;
    long fd = unix_usock_install(s, (status & O_NONBLOCK) | (fdflags & O_CLOEXEC));
    unix_count_inflight(a, sd, -1); /* the new description counts itself (unix_open) */
    unix_area_put(a);
    return fd;
}

long rt_unix_socketpair(uint64_t domain, uint64_t type, uint64_t protocol, uint64_t ufds)
{
    if (domain != AF_UNIX)
        return domain == AF_INET ? -EOPNOTSUPP : -EAFNOSUPPORT;
    long base = check_type(type);
    if (base < 0)
        return base;
    if (protocol && protocol != AF_UNIX)
        return -EPROTONOSUPPORT;
    if (!rt_user_range(ufds, 8))
        return -EFAULT;
    struct area *a;
    long rc = unix_area_get(false, 0, 0, &a);
    if (rc)
        return rc;
    a->h->type = (uint32_t)base;
    a->h->accepted = 1;
    unix_set_cred(a->h, 0);
    unix_set_cred(a->h, 1);
    struct usock *s[2] = {NULL, NULL};
    long fd[2] = {-1, -1};
    for (int i = 0; i < 2; i++) {
        rc = unix_usock_new((uint32_t)base, &s[i]);
        if (rc)
            break;
        s[i]->conn = a;
        s[i]->side = i;
        a->refs += i; /* one reference each */
        fd[i] = unix_usock_install(s[i], (uint32_t)type);
        if (fd[i] < 0) {
            rc = fd[i];
            break;
        }
    }
    if (rc) {
        if (fd[0] >= 0)
            vfs_close(rt_vfs, (int)fd[0]);
        else if (!s[0])
            unix_area_put(a);
        return rc;
    }
    int32_t out[2] = {(int32_t)fd[0], (int32_t)fd[1]};
    memcpy((void *)ufds, out, sizeof(out));
    return 0;
}

/* ---- names ---- */

/* A program's struct sockaddr_un: 0 and the name (len 0: only the family), or -errno. */
int unix_get_name(uint64_t uaddr, uint64_t len, struct name *n)
{
    if (len < 2 || len > 2 + NAME_MAX_UNIX)
        return -EINVAL;
    if (!rt_user_range(uaddr, len))
        return -EFAULT;
    uint16_t fam;
    memcpy(&fam, (const void *)uaddr, 2);
    if (fam != AF_UNIX)
        return -EINVAL;
    memset(n, 0, sizeof(*n));
    n->len = (uint32_t)len - 2;
    memcpy(n->path, (const char *)uaddr + 2, n->len);
    if (n->len && n->path[0]) /* a path ends at its first NUL */
        n->len = (uint32_t)strlen(n->path);
    return 0;
}

/* The address length Linux gives for a name: a path counts its NUL. */
uint32_t unix_name_addrlen(const struct name *n)
{
    return 2 + n->len + (n->len && n->path[0] ? 1 : 0);
}

/* The struct sockaddr_un of n in a (at least 2 + NAME_MAX_UNIX + 1 bytes): its family,
 * path and a NUL after it. */
void unix_sockaddr(const struct name *n, uint8_t *a)
{
    uint16_t fam = AF_UNIX;
    memcpy(a, &fam, 2);
    memcpy(a + 2, n->path, n->len);
    a[2 + n->len] = 0;
}

/* Writes a name back as Linux does: truncated to *ulen, *ulen set to its length. */
int unix_put_name(uint64_t uaddr, uint64_t ulen, const struct name *n)
{
    uint8_t a[2 + NAME_MAX_UNIX + 1];
    unix_sockaddr(n, a);
    return rt_put_sized(uaddr, ulen, a, unix_name_addrlen(n), true);
}

/* The name of s's peer (len 0: unnamed). */
void unix_peer_name(const struct usock *s, struct name *n)
{
    memset(n, 0, sizeof(*n));
    if (!s->conn)
        return;
    int other = !s->side;
    uint32_t len = __atomic_load_n(&s->conn->h->namelen[other], __ATOMIC_ACQUIRE);
    if (len <= NAME_MAX_UNIX) {
        n->len = len;
        memcpy(n->path, s->conn->h->name[other], len);
    }
}

/* Writes the source of a message as recvfrom and recvmsg do: an unnamed one has length 0. */
void unix_put_source(uint64_t uaddr, uint64_t ulen, const struct name *n)
{
    if (!uaddr)
        return;
    if (n->len) {
        unix_put_name(uaddr, ulen, n);
        return;
    }
    int32_t zero = 0;
    if (rt_user_range(ulen, 4))
        memcpy((void *)ulen, &zero, 4);
}

/* Waits (without the runtime lock) on a's notification until ready() holds for s, or a
 * signal: 0, or -EINTR; -EBADF if fd no longer names s. */
/* The side of a whose changes s waits for: its own side of its connection; any other
 * object (a listener, a datagram receiver) is told of every change on both sides. */
static int wait_side(const struct usock *s, const struct area *a)
{
    return a == s->conn ? s->side : 0;
}

/* Counts the caller among side's sleepers of a for kind (and holds a) for a wait, or
 * ends that. */
static void sleeper(struct area *a, int side, int kind, bool in)
{
    if (in) {
        a->refs++;
        __atomic_add_fetch(&a->h->waiters[side][kind], 1, __ATOMIC_SEQ_CST);
    } else {
        __atomic_sub_fetch(&a->h->waiters[side][kind], 1, __ATOMIC_SEQ_CST);
        unix_area_put(a);
    }
}

/* Sleeps without the runtime lock until side's change count in a is no longer seen (or
 * ns passed): the kernel's answer. The count is compared by the kernel as the thread
 * goes to sleep, so a change after the caller's look cannot be slept through, however
 * many threads of however many processes wait on the same side (a notification wakes
 * one, and a wake taken by a waiter of the other side was lost: issue 18). */
static long sleep_unless(struct area *a, int side, int kind, uint32_t seen, uint64_t ns)
{
    rt_unlock();
    long err = cx_futex_wait(rt->slot_pd, (uint64_t)&a->h->ev[side][kind], seen, ns);
    rt_lock();
    return err;
}

int unix_wait_until(struct area *a, int fd, struct usock *s,
                    bool (*ready)(struct usock *, struct area *), uint64_t deadline, int kind)
{
    int side = wait_side(s, a), rc = 0;
    kind &= 1;
    sleeper(a, side, kind, true);
    for (;;) {
        uint32_t seen = __atomic_load_n(&a->h->ev[side][kind], __ATOMIC_SEQ_CST);
        if (ready(s, a))
            break;
        /* bounded: the launcher tells of a killed peer by the notification only */
        uint64_t now = cx_clock_ns(), ns = WAIT_SAFETY_NS;
        if (deadline && now >= deadline) {
            rc = -EAGAIN; /* SO_RCVTIMEO, SO_SNDTIMEO */
            break;
        }
        if (deadline && deadline - now < ns)
            ns = deadline - now;
        long err = sleep_unless(a, side, kind, seen, ns);
        if (err == CX_E_INTERRUPTED && rt_signal_interrupted()) {
            rc = -EINTR;
            break;
        }
        if (unix_fd_usock(fd) != s) {
            rc = -EBADF;
            break;
        }
    }
    sleeper(a, side, kind, false);
    return rc;
}

int unix_wait_on(struct area *a, int fd, struct usock *s,
                 bool (*ready)(struct usock *, struct area *))
{
    return unix_wait_until(a, fd, s, ready, 0, WAIT_IN);
}

/* ---- waits for the VFS calls (fs.c) and poll (poll.c) ---- */

int rt_unix_wait(struct vfs_file *f, unsigned events)
{
    struct usock *s = usock_of_node(f->node);
    if (!s)
        return 0;
    struct area *a = s->conn ? s->conn : (events & POLLOUT) && s->dest ? s->dest : s->lst;
    if (!a) {
        while (!(unix_upoll(s) & (events | POLLHUP | POLLERR))) {
            rt_unlock();
            long err = rt_sleep_ns(WAIT_SLICE_NS);
            rt_lock();
            if (err == -EINTR && rt_signal_interrupted())
                return -EINTR;
            if (usock_of_node(f->node) != s)
                return 1;
        }
        return 1;
    }
    /* a wait for room only sleeps on the room count; any other on the data count */
    int side = wait_side(s, a), rc = 1, kind = (events & POLLIN) ? WAIT_IN : WAIT_OUT;
    sleeper(a, side, kind, true);
    for (;;) {
        uint32_t seen = __atomic_load_n(&a->h->ev[side][kind], __ATOMIC_SEQ_CST);
        if (unix_upoll(s) & (events | POLLHUP | POLLERR))
            break;
        /* bounded: a client before its accept also watches its listener, and the launcher
         * tells of a killed peer by the notification only */
        long err = sleep_unless(a, side, kind, seen, WAIT_SAFETY_NS);
        if ((err == CX_E_INTERRUPTED || err == -EINTR) && rt_signal_interrupted()) {
            rc = -EINTR;
            break;
        }
        if (usock_of_node(f->node) != s)
            break;
    }
    sleeper(a, side, kind, false);
    return rc;
}

uint64_t rt_unix_notif(struct vfs_file *f)
{
    struct usock *s = usock_of_node(f->node);
    struct area *a = !s ? NULL : s->conn ? s->conn : s->lst;
    return a ? a->slot_notif : 0;
}

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
#include <vfs/plugin.h>
#include "runtime.h"

#define UNIX_RING (32 * 1024u)
#define UNIX_BACKLOG 8
#define NAME_MAX_UNIX 108 /* sun_path */
#define SOL_SOCKET 1
#define MSG_TRUNC 0x20
#define SIOCOUTQ 0x5411
#define SHUT_RD_BIT 1u
#define SHUT_WR_BIT 2u
#define KEY_ABSTRACT (1ull << 62)
#define KEY_CONN (1ull << 63)
#define SLOT_EMPTY 0
#define SLOT_FREE 1    /* a connection made in advance waits for a client */
#define SLOT_CLAIMED 2 /* a client is connecting */
#define SLOT_WAITING 3 /* connected, waiting for accept */
#define SLOT_TAKEN 4   /* an accept is taking it */
#define WAIT_SLICE_NS 10000000ull
#define RESET_PENDING 1 /* the peer went with data unread: the next receive says so */
#define RESET_TOLD 2    /* said once (Linux's sk_err, taken by the call that sees it) */

struct rec {
    uint32_t len, namelen; /* then namelen bytes of the sender's name, then len bytes */
};

/* The header page of a connection or listener object (shared, untrusted). */
struct unix_hdr {
    struct rt_pipe_ring counts;         /* readers: side 0's descriptions (a listener: the */
                                        /* listening ones), writers: side 1's */
    volatile uint64_t head[2], tail[2]; /* ring d: written by side d, bytes ever */
    volatile int32_t wlock[2], rlock[2];
    volatile uint32_t shut[2];    /* each side's own shutdown (SHUT_RD_BIT, SHUT_WR_BIT) */
    volatile uint32_t reset[2];   /* ECONNRESET for that side: RESET_PENDING, RESET_TOLD */
    volatile int32_t cred[2][3];  /* pid, uid, gid of each side */
    volatile uint32_t type;       /* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
    volatile uint32_t accepted;   /* a connection: its side 0 is there (or a pair) */
    volatile uint32_t bound;      /* a listener: processes holding its abstract name */
    volatile uint32_t nslots;     /* a listener: the backlog */
    volatile uint32_t order;      /* a listener: connections so far */
    volatile uint32_t namelen[2]; /* each side's address (sun_path bytes), a */
    char name[2][NAME_MAX_UNIX];  /* listener's in [0] */
    struct {
        volatile uint32_t state, order;
        volatile uint64_t key;
    } slot[UNIX_BACKLOG];
};
_Static_assert(sizeof(struct unix_hdr) <= CX_PAGE_SIZE, "one header page");
_Static_assert(2 * UNIX_RING + CX_PAGE_SIZE == RT_PIPE_AREA, "a pipe area");

/* A shared object mapped here; refs: the sockets (and advance slots) of this process
 * that use it. */
struct area {
    uint64_t va, id, slot_mem, slot_notif, key;
    unsigned refs;
    struct unix_hdr *h;
    uint8_t *data;
};

struct name {
    uint32_t len; /* bytes of sun_path (0: unnamed) */
    char path[NAME_MAX_UNIX + 1];
};

struct usock {
    struct vfs_node node;
    uint32_t type;
    unsigned ndesc;    /* open descriptions in this process */
    struct area *conn; /* connected: the connection, this socket is side */
    int side;
    struct area *lst;    /* bound: its listener object */
    struct area *target; /* a client: the listener it connected to */
    bool listening, bound;
    bool counts_lst;   /* its descriptions count in lst (listening, or a bound */
                       /* datagram socket: it receives there) */
    struct area *dest; /* a datagram socket connected to a name: its receiver */
    struct name dest_name;
    struct area *pre[UNIX_BACKLOG];    /* listening: connections made in advance, by slot */
    struct name name;                  /* bound name */
    int64_t sndbuf, rcvbuf;            /* as set (0: the ring's size) */
    uint64_t rcvtimeo_ns, sndtimeo_ns; /* SO_RCVTIMEO, SO_SNDTIMEO (0: for ever) */
    struct usock *next;
};

static struct vfs_fs *unix_fs;
static struct usock *usocks;
static uint64_t next_ino = 1;
static uint64_t next_conn_key = 1;

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

static void wake(struct area *a)
{
    cx_notif_signal(a->slot_notif, 1);
}

/* Counts n descriptions of side in a's header (and this process's share of them). */
static int32_t count(struct area *a, int side, int32_t n)
{
    unsigned i = (unsigned)rt->proc_index % RT_MAX_PROCS;
    struct rt_pipe_ring *c = &a->h->counts;
    __atomic_add_fetch(side ? &c->writers_of[i] : &c->readers_of[i], n, __ATOMIC_ACQ_REL);
    return __atomic_add_fetch(side ? &c->writers : &c->readers, n, __ATOMIC_ACQ_REL);
}

static int32_t counted(const struct area *a, int side)
{
    return __atomic_load_n(side ? &a->h->counts.writers : &a->h->counts.readers, __ATOMIC_ACQUIRE);
}

static void area_put(struct area *a)
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
static long area_get(bool named, uint64_t dev, uint64_t ino, struct area **out)
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
        named ? cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_UNIX, 4, 0), dev, ino, a->slot_mem,
                                a->slot_notif)
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

static bool records(uint32_t type)
{
    return type != SOCK_STREAM;
}

/* Whether the other side of s's connection is gone. A client's connection before the
 * accept: whether its listener is. */
static bool peer_gone(const struct usock *s)
{
    struct unix_hdr *h = s->conn->h;
    if (s->side == 1 && !__atomic_load_n(&h->accepted, __ATOMIC_ACQUIRE))
        return !s->target || counted(s->target, 0) <= 0;
    return counted(s->conn, !s->side) <= 0;
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
static bool take_reset(struct usock *s)
{
    if (!reset_pending(s))
        return false;
    return __atomic_exchange_n(&s->conn->h->reset[s->side], RESET_TOLD, __ATOMIC_ACQ_REL) !=
           RESET_TOLD;
}

/* Writes into ring d of a, without waiting: bytes of a stream (as many as fit), or one
 * record with the sender's name (NULL: unnamed); the count, -EAGAIN, -EMSGSIZE, -EIO. */
static int64_t ring_send(struct area *a, int d, uint32_t type, const void *buf, size_t n,
                         const struct name *from)
{
    uint32_t namelen = from ? from->len : 0;
    if (records(type) && n > UNIX_RING - sizeof(struct rec) - NAME_MAX_UNIX)
        return -EMSGSIZE;
    if (!n && !records(type))
        return 0;
    spin_lock(&a->h->wlock[d]);
    uint64_t head = __atomic_load_n(&a->h->head[d], __ATOMIC_ACQUIRE);
    uint64_t used = head - __atomic_load_n(&a->h->tail[d], __ATOMIC_ACQUIRE);
    uint64_t space = UNIX_RING - used;
    int64_t r;
    if (used > UNIX_RING) {
        r = -EIO;
    } else if (records(type)) {
        if (space < sizeof(struct rec) + namelen + n) {
            r = -EAGAIN;
        } else {
            struct rec hdr = {(uint32_t)n, namelen};
            ring_copy(a, d, head, &hdr, sizeof(hdr), false);
            ring_copy(a, d, head + sizeof(hdr), (void *)(from ? from->path : ""), namelen, false);
            ring_copy(a, d, head + sizeof(hdr) + namelen, (void *)buf, n, false);
            __atomic_store_n(&a->h->head[d], head + sizeof(hdr) + namelen + n, __ATOMIC_RELEASE);
            r = (int64_t)n;
        }
    } else if (!space) {
        r = -EAGAIN;
    } else {
        size_t k = n < space ? n : (size_t)space;
        ring_copy(a, d, head, (void *)buf, k, false);
        __atomic_store_n(&a->h->head[d], head + k, __ATOMIC_RELEASE);
        r = (int64_t)k;
    }
    spin_unlock(&a->h->wlock[d]);
    if (r >= 0)
        wake(a);
    return r;
}

/* One send into a connected socket, without waiting: the count, -EAGAIN, or -errno. */
static int64_t conn_send(struct usock *s, const void *buf, size_t n)
{
    if (s->type == SOCK_DGRAM && peer_gone(s))
        return -ECONNREFUSED;
    if (snd_shut(s))
        return -EPIPE;
    return ring_send(s->conn, s->side, s->type, buf, n, NULL);
}

/* Whether a datagram receiver (a bound name's object) can take a datagram now. */
static bool dest_ready(struct area *a)
{
    uint64_t used = a->h->head[0] - a->h->tail[0];
    return counted(a, 0) <= 0 || used > UNIX_RING || UNIX_RING - used >= UNIX_RING / 4;
}

/* One datagram to receiver a (a bound datagram socket's object), without waiting. */
static int64_t dest_send(struct usock *s, struct area *a, const void *buf, size_t n)
{
    uint32_t type = __atomic_load_n(&a->h->type, __ATOMIC_ACQUIRE);
    if (type && type != SOCK_DGRAM)
        return -EPROTOTYPE;
    if (counted(a, 0) <= 0)
        return -ECONNREFUSED;
    return ring_send(a, 0, SOCK_DGRAM, buf, n, s->bound ? &s->name : NULL);
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
static int64_t ring_recv(struct area *a, int d, uint32_t type, void *buf, size_t n, bool peek,
                         uint32_t *full, struct name *from)
{
    spin_lock(&a->h->rlock[d]);
    uint64_t tail;
    int64_t used = ring_used(a, d, &tail), r;
    if (used <= 0) {
        r = used < 0 ? -EIO : -EAGAIN;
        goto out;
    }
    if (records(type)) {
        struct rec hdr;
        if (!rec_at(a, d, tail, used, &hdr)) {
            r = -EIO;
            goto out;
        }
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
        ring_copy(a, d, tail, buf, k, true);
        if (!peek)
            __atomic_store_n(&a->h->tail[d], tail + k, __ATOMIC_RELEASE);
        *full = (uint32_t)k;
        r = (int64_t)k;
    }
out:
    spin_unlock(&a->h->rlock[d]);
    if (r > 0 || (r == 0 && records(type)))
        wake(a);
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
static int64_t sock_recv(struct usock *s, void *buf, size_t n, bool peek, uint32_t *full,
                         struct name *from)
{
    int d;
    struct area *a = rx_area(s, &d);
    *full = 0;
    if (from)
        from->len = 0;
    if (!a)
        return s->type == SOCK_DGRAM ? -EAGAIN : -EINVAL;
    int64_t r = ring_recv(a, d, s->type, buf, n, peek, full, from);
    if (r == -EAGAIN && s->conn && rcv_shut(s))
        return take_reset(s) ? -ECONNRESET : 0;
    return r;
}

/* ---- the file system of sockets ---- */

static unsigned upoll(struct usock *s)
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
    return sock_recv(usock_of_node(f->node), buf, n, false, &full, NULL);
}

static int64_t unix_write(struct vfs_file *f, const void *buf, size_t n, uint64_t *off)
{
    (void)off;
    struct usock *s = usock_of_node(f->node);
    if (!s->conn && s->dest)
        return dest_send(s, s->dest, buf, n);
    if (!s->conn)
        return -ENOTCONN;
    return conn_send(s, buf, n);
}

static unsigned unix_poll(struct vfs_file *f, unsigned events)
{
    (void)events;
    return upoll(usock_of_node(f->node));
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
        if (used > 0 && !records(s->type)) {
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
        count(s->conn, s->side, 1);
    if (s->counts_lst)
        count(s->lst, 0, 1);
    return 0;
}

static void unix_close(struct vfs_file *f)
{
    struct usock *s = usock_of_node(f->node);
    s->ndesc--;
    if (s->conn) {
        /* the side's last description, with data it did not read: the peer is reset */
        uint32_t none = 0;
        if (count(s->conn, s->side, -1) == 0 && s->type != SOCK_DGRAM &&
            ring_used(s->conn, !s->side, NULL) != 0)
            __atomic_compare_exchange_n(&s->conn->h->reset[!s->side], &none, RESET_PENDING, false,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
        wake(s->conn); /* the peer may see end of file or EPIPE now */
    }
    if (s->counts_lst) {
        count(s->lst, 0, -1);
        wake(s->lst);
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
    area_put(s->conn);
    area_put(s->lst);
    area_put(s->target);
    area_put(s->dest);
    for (unsigned i = 0; i < UNIX_BACKLOG; i++)
        area_put(s->pre[i]);
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
            count(s->conn, s->side, (int32_t)s->ndesc);
        if (s->counts_lst)
            count(s->lst, 0, (int32_t)s->ndesc);
        if (s->lst && s->bound && s->name.len && !s->name.path[0])
            __atomic_add_fetch(&s->lst->h->bound, 1, __ATOMIC_ACQ_REL); /* one more holder */
    }
}

/* A new socket of type here (not yet open): 0 or -errno. */
static long usock_new(uint32_t type, struct usock **out)
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
static long usock_install(struct usock *s, uint32_t flags)
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

static struct usock *fd_usock(int fd)
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
    long rc = usock_new((uint32_t)base, &s);
    return rc ? rc : usock_install(s, (uint32_t)type);
}

static void set_cred(struct unix_hdr *h, int side)
{
    h->cred[side][0] = (int32_t)rt_pid();
    h->cred[side][1] = (int32_t)rt_uid;
    h->cred[side][2] = (int32_t)rt_gid;
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
    long rc = area_get(false, 0, 0, &a);
    if (rc)
        return rc;
    a->h->type = (uint32_t)base;
    a->h->accepted = 1;
    set_cred(a->h, 0);
    set_cred(a->h, 1);
    struct usock *s[2] = {NULL, NULL};
    long fd[2] = {-1, -1};
    for (int i = 0; i < 2; i++) {
        rc = usock_new((uint32_t)base, &s[i]);
        if (rc)
            break;
        s[i]->conn = a;
        s[i]->side = i;
        a->refs += i; /* one reference each */
        fd[i] = usock_install(s[i], (uint32_t)type);
        if (fd[i] < 0) {
            rc = fd[i];
            break;
        }
    }
    if (rc) {
        if (fd[0] >= 0)
            vfs_close(rt_vfs, (int)fd[0]);
        else if (!s[0])
            area_put(a);
        return rc;
    }
    int32_t out[2] = {(int32_t)fd[0], (int32_t)fd[1]};
    memcpy((void *)ufds, out, sizeof(out));
    return 0;
}

/* ---- names ---- */

/* A program's struct sockaddr_un: 0 and the name (len 0: only the family), or -errno. */
static int get_name(uint64_t uaddr, uint64_t len, struct name *n)
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
static uint32_t name_addrlen(const struct name *n)
{
    return 2 + n->len + (n->len && n->path[0] ? 1 : 0);
}

/* Writes a name back as Linux does: truncated to *ulen, *ulen set to its length. */
static int put_name(uint64_t uaddr, uint64_t ulen, const struct name *n)
{
    if (!uaddr)
        return 0;
    if (!rt_user_range(ulen, 4))
        return -EFAULT;
    int32_t len;
    memcpy(&len, (const void *)ulen, 4);
    if (len < 0)
        return -EINVAL;
    uint8_t a[2 + NAME_MAX_UNIX + 1];
    uint16_t fam = AF_UNIX;
    memcpy(a, &fam, 2);
    memcpy(a + 2, n->path, n->len);
    a[2 + n->len] = 0;
    uint32_t full = name_addrlen(n);
    uint32_t k = (uint32_t)len < full ? (uint32_t)len : full;
    if (k && !rt_user_range(uaddr, k))
        return -EFAULT;
    memcpy((void *)uaddr, a, k);
    len = (int32_t)full;
    memcpy((void *)ulen, &len, 4);
    return 0;
}

/* The name of s's peer (len 0: unnamed). */
static void peer_name(const struct usock *s, struct name *n)
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
static void put_source(uint64_t uaddr, uint64_t ulen, const struct name *n)
{
    if (n->len) {
        put_name(uaddr, ulen, n);
        return;
    }
    int32_t zero = 0;
    if (uaddr && rt_user_range(ulen, 4))
        memcpy((void *)ulen, &zero, 4);
}

/* The key of a name: a socket file's identity (-ENOENT and the like from the VFS,
 * -ECONNREFUSED when it is no socket), or an abstract name's hash. */
static int name_key(const struct name *n, uint64_t *dev, uint64_t *ino)
{
    if (!n->path[0]) {
        uint64_t h1 = 14695981039346656037ull, h2 = 1099511628211ull * 31;
        for (uint32_t i = 0; i < n->len; i++) {
            h1 = (h1 ^ (uint8_t)n->path[i]) * 1099511628211ull;
            h2 = (h2 ^ (uint8_t)n->path[i]) * 0x100000001b3ull + i;
        }
        *dev = KEY_ABSTRACT | (h1 >> 2) | ((uint64_t)n->len << 40);
        *ino = h2;
        return 0;
    }
    struct linux_stat st;
    int rc = vfs_fstatat(rt_vfs, AT_FDCWD, n->path, &st, 0);
    if (rc)
        return rc;
    if (!S_ISSOCK(st.st_mode))
        return -ECONNREFUSED;
    *dev = st.st_dev & ~(KEY_ABSTRACT | KEY_CONN);
    *ino = st.st_ino;
    return 0;
}

long rt_unix_bind(int fd, uint64_t uaddr, uint64_t len)
{
    struct usock *s = fd_usock(fd);
    struct name n;
    int rc = get_name(uaddr, len, &n);
    if (rc)
        return rc;
    if (s->bound)
        return -EINVAL;
    if (!n.len) { /* autobind: an abstract name of five hex digits, as Linux's */
        static const char hex[] = "0123456789abcdef";
        uint64_t v = (rt_pid() * 7919u + next_conn_key++) & 0xfffff;
        n.len = 6;
        n.path[0] = 0;
        for (int i = 5; i >= 1; i--, v >>= 4)
            n.path[i] = hex[v & 15];
    }
    bool made = false;
    if (n.path[0]) {
        rc = vfs_mknodat(rt_vfs, AT_FDCWD, n.path, S_IFSOCK | 0777, 0);
        if (rc)
            return rc == -EEXIST ? -EADDRINUSE : rc;
        made = true;
    }
    uint64_t dev, ino;
    struct area *a = NULL;
    rc = name_key(&n, &dev, &ino);
    if (!rc)
        rc = (int)area_get(true, dev, ino, &a);
    uint32_t none = 0;
    if (!rc && !n.path[0] &&
        !__atomic_compare_exchange_n(&a->h->bound, &none, 1, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
        rc = -EADDRINUSE; /* bound counts the processes holding the name */
    if (rc) {
        area_put(a);
        if (made)
            vfs_unlinkat(rt_vfs, AT_FDCWD, n.path, 0);
        return rc;
    }
    a->h->type = s->type;
    a->h->namelen[0] = n.len;
    memcpy(a->h->name[0], n.path, n.len);
    s->lst = a;
    s->bound = true;
    s->name = n;
    if (s->type == SOCK_DGRAM) { /* it receives in ring 0 of its name's object */
        s->counts_lst = true;
        count(a, 0, (int32_t)s->ndesc);
    }
    return 0;
}

/* A connection made in advance for slot i of s's listener: 0 or -errno. */
static long premake(struct usock *s, unsigned i)
{
    struct area *a;
    uint64_t key = next_conn_key++;
    long rc = area_get(true, KEY_CONN | rt_pid(), key, &a);
    if (rc)
        return rc;
    struct unix_hdr *h = a->h;
    h->type = s->type;
    set_cred(h, 0);
    h->namelen[0] = s->name.len;
    memcpy(h->name[0], s->name.path, s->name.len);
    area_put(s->pre[i]);
    s->pre[i] = a;
    __atomic_store_n(&s->lst->h->slot[i].key, key | ((uint64_t)rt_pid() << 40), __ATOMIC_RELEASE);
    __atomic_store_n(&s->lst->h->slot[i].state, SLOT_FREE, __ATOMIC_RELEASE);
    return 0;
}

/* A slot's key word: the counter in the low 40 bits, the pid above. */
static void slot_key(uint64_t word, uint64_t *dev, uint64_t *ino)
{
    *dev = KEY_CONN | (word >> 40);
    *ino = word & ((1ull << 40) - 1);
}

long rt_unix_listen(int fd, int backlog)
{
    struct usock *s = fd_usock(fd);
    if (s->type == SOCK_DGRAM)
        return -EOPNOTSUPP;
    if (!s->bound || s->conn)
        return -EINVAL;
    /* Linux queues backlog + 1 connections */
    unsigned n = backlog < 0 ? 1 : backlog >= UNIX_BACKLOG ? UNIX_BACKLOG : (unsigned)backlog + 1;
    struct unix_hdr *h = s->lst->h;
    uint32_t had = __atomic_load_n(&h->nslots, __ATOMIC_ACQUIRE);
    if (had > UNIX_BACKLOG)
        had = UNIX_BACKLOG;
    if (n < had)
        n = had;
    for (unsigned i = 0; i < n; i++)
        if (__atomic_load_n(&h->slot[i].state, __ATOMIC_ACQUIRE) == SLOT_EMPTY) {
            long rc = premake(s, i);
            if (rc)
                return rc;
        }
    __atomic_store_n(&h->nslots, n, __ATOMIC_RELEASE);
    if (!s->listening) {
        s->listening = true;
        s->counts_lst = true;
        count(s->lst, 0, (int32_t)s->ndesc);
    }
    wake(s->lst);
    return 0;
}

/* Waits (without the runtime lock) on a's notification until ready() holds for s, or a
 * signal: 0, or -EINTR; -EBADF if fd no longer names s. */
static int wait_until(struct area *a, int fd, struct usock *s,
                      bool (*ready)(struct usock *, struct area *), uint64_t deadline)
{
    while (!ready(s, a)) {
        uint64_t bits, now = cx_clock_ns(), ns = WAIT_SLICE_NS * 10;
        if (deadline && now >= deadline)
            return -EAGAIN; /* SO_RCVTIMEO, SO_SNDTIMEO */
        if (deadline && deadline - now < ns)
            ns = deadline - now;
        rt_unlock();
        long err = cx_notif_wait(a->slot_notif, ns, &bits);
        rt_lock();
        if (err == CX_E_INTERRUPTED && rt_signal_interrupted())
            return -EINTR;
        if (fd_usock(fd) != s)
            return -EBADF;
    }
    wake(a); /* others may wait on the same notification */
    return 0;
}

static int wait_on(struct area *a, int fd, struct usock *s,
                   bool (*ready)(struct usock *, struct area *))
{
    return wait_until(a, fd, s, ready, 0);
}

/* Whether listener l has a free slot (or nobody listens: connect says so). */
static bool slot_free(struct usock *s, struct area *l)
{
    (void)s;
    struct unix_hdr *h = l->h;
    if (counted(l, 0) <= 0)
        return true; /* nobody listens: connect says so */
    for (unsigned i = 0; i < UNIX_BACKLOG; i++)
        if (__atomic_load_n(&h->slot[i].state, __ATOMIC_ACQUIRE) == SLOT_FREE)
            return true;
    return false;
}

static bool slot_waiting(struct usock *s, struct area *l)
{
    (void)l;
    return (upoll(s) & POLLIN) != 0;
}

/* The receiver of a datagram to name n, held: 0 or -errno. */
static long dest_get(const struct name *n, struct area **out)
{
    uint64_t dev, ino;
    long rc = name_key(n, &dev, &ino);
    if (!rc)
        rc = area_get(true, dev, ino, out);
    if (rc)
        return rc;
    struct area *a = *out;
    uint32_t type = __atomic_load_n(&a->h->type, __ATOMIC_ACQUIRE);
    rc = type && type != SOCK_DGRAM ? -EPROTOTYPE : counted(a, 0) <= 0 ? -ECONNREFUSED : 0;
    if (rc)
        area_put(a);
    return rc;
}

/* connect of a datagram socket: sends without an address go to n from now on. */
static long dgram_connect(struct usock *s, const struct name *n)
{
    if (s->conn)
        return -EISCONN; /* a pair's */
    struct area *a;
    long rc = dest_get(n, &a);
    if (rc)
        return rc;
    area_put(s->dest);
    s->dest = a;
    memset(&s->dest_name, 0, sizeof(s->dest_name));
    uint32_t len = __atomic_load_n(&a->h->namelen[0], __ATOMIC_ACQUIRE);
    if (len <= NAME_MAX_UNIX) {
        s->dest_name.len = len;
        memcpy(s->dest_name.path, a->h->name[0], len);
    }
    return 0;
}

long rt_unix_connect(int fd, uint64_t uaddr, uint64_t len)
{
    struct usock *s = fd_usock(fd);
    struct name n;
    int rc = get_name(uaddr, len, &n);
    if (rc)
        return rc;
    if (!n.len)
        return -EINVAL;
    if (s->type == SOCK_DGRAM)
        return dgram_connect(s, &n);
    uint64_t dev, ino;
    rc = name_key(&n, &dev, &ino); /* Linux looks the name up first */
    if (rc)
        return rc;
    if (s->conn)
        return -EISCONN;
    if (s->listening)
        return -EINVAL;
    struct area *l;
    long r = area_get(true, dev, ino, &l);
    if (r)
        return r;
    unsigned i = 0;
    for (;;) {
        struct unix_hdr *h = l->h;
        uint32_t type = __atomic_load_n(&h->type, __ATOMIC_ACQUIRE);
        if (counted(l, 0) <= 0 || (type && type != s->type)) {
            r = type && type != s->type ? -EPROTOTYPE : -ECONNREFUSED;
            goto fail;
        }
        for (i = 0; i < UNIX_BACKLOG; i++) {
            uint32_t want = SLOT_FREE;
            if (__atomic_compare_exchange_n(&h->slot[i].state, &want, SLOT_CLAIMED, false,
                                            __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
                break;
        }
        if (i < UNIX_BACKLOG)
            break;
        struct vfs_file *f = vfs_fd_file(rt_vfs, fd);
        if (f->flags & O_NONBLOCK) {
            r = -EAGAIN;
            goto fail;
        }
        int w = wait_on(l, fd, s, slot_free);
        if (!w && s->conn)
            w = -EISCONN; /* another thread connected it meanwhile */
        if (w) {
            r = w;
            goto fail;
        }
    }
    struct unix_hdr *h = l->h;
    uint64_t cdev, cino;
    slot_key(__atomic_load_n(&h->slot[i].key, __ATOMIC_ACQUIRE), &cdev, &cino);
    struct area *c;
    r = area_get(true, cdev, cino, &c);
    if (r) {
        __atomic_store_n(&h->slot[i].state, SLOT_FREE, __ATOMIC_RELEASE);
        goto fail;
    }
    set_cred(c->h, 1);
    c->h->namelen[1] = s->bound ? s->name.len : 0;
    memcpy(c->h->name[1], s->name.path, s->bound ? s->name.len : 0);
    s->conn = c;
    s->side = 1;
    s->target = l;
    count(c, 1, (int32_t)s->ndesc);
    __atomic_store_n(&h->slot[i].order, __atomic_add_fetch(&h->order, 1, __ATOMIC_ACQ_REL),
                     __ATOMIC_RELEASE);
    __atomic_store_n(&h->slot[i].state, SLOT_WAITING, __ATOMIC_RELEASE);
    wake(l);
    return 0;
fail:
    area_put(l);
    return r;
}

long rt_unix_accept4(int fd, uint64_t uaddr, uint64_t ulen, int flags)
{
    struct usock *s = fd_usock(fd);
    if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
        return -EINVAL;
    if (!s->listening)
        return -EINVAL;
    if (uaddr && !rt_user_range(ulen, 4))
        return -EFAULT;
    struct unix_hdr *h = s->lst->h;
    unsigned pick;
    for (;;) {
        pick = UNIX_BACKLOG;
        uint32_t best = 0;
        for (unsigned i = 0; i < UNIX_BACKLOG; i++) {
            uint32_t st = __atomic_load_n(&h->slot[i].state, __ATOMIC_ACQUIRE);
            uint32_t ord = __atomic_load_n(&h->slot[i].order, __ATOMIC_ACQUIRE);
            if (st == SLOT_WAITING && (pick == UNIX_BACKLOG || (int32_t)(ord - best) < 0))
                pick = i, best = ord;
        }
        uint32_t want = SLOT_WAITING;
        if (pick < UNIX_BACKLOG &&
            __atomic_compare_exchange_n(&h->slot[pick].state, &want, SLOT_TAKEN, false,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            break;
        if (pick < UNIX_BACKLOG)
            continue; /* another process took it */
        if (vfs_fd_file(rt_vfs, fd)->flags & O_NONBLOCK)
            return -EAGAIN;
        int w = wait_on(s->lst, fd, s, slot_waiting);
        if (w)
            return w;
    }
    uint64_t word = __atomic_load_n(&h->slot[pick].key, __ATOMIC_ACQUIRE), dev, ino;
    slot_key(word, &dev, &ino);
    struct area *c = s->pre[pick];
    long rc = 0;
    if (c && c->key == ino && (word >> 40) == (uint64_t)rt_pid()) {
        s->pre[pick] = NULL; /* its reference passes to the new socket */
    } else {
        rc = area_get(true, dev, ino, &c);
    }
    /* a fresh connection for the slot (the backlog stays); without one the slot stays
     * empty until the next listen or accept */
    if (premake(s, pick))
        __atomic_store_n(&h->slot[pick].state, SLOT_EMPTY, __ATOMIC_RELEASE);
    for (unsigned i = 0; i < UNIX_BACKLOG && i < __atomic_load_n(&h->nslots, __ATOMIC_ACQUIRE); i++)
        if (__atomic_load_n(&h->slot[i].state, __ATOMIC_ACQUIRE) == SLOT_EMPTY)
            premake(s, i);
    if (rc)
        return rc;
    struct usock *n;
    rc = usock_new(s->type, &n);
    if (rc) {
        area_put(c);
        return rc;
    }
    n->conn = c;
    n->side = 0;
    n->name = s->name;
    long nfd = usock_install(n, (uint32_t)flags);
    if (nfd < 0)
        return nfd;
    __atomic_store_n(&c->h->accepted, 1, __ATOMIC_RELEASE);
    wake(c);
    struct name peer;
    peer_name(n, &peer);
    put_name(uaddr, ulen, &peer);
    return nfd;
}

long rt_unix_sockname(int fd, uint64_t uaddr, uint64_t ulen, bool peer)
{
    struct usock *s = fd_usock(fd);
    if (!rt_user_range(ulen, 4))
        return -EFAULT;
    struct name n = {0};
    if (peer) {
        if (!s->conn && !s->dest)
            return -ENOTCONN;
        if (s->conn)
            peer_name(s, &n);
        else
            n = s->dest_name;
    } else if (s->bound) {
        n = s->name;
    }
    return put_name(uaddr ? uaddr : 1, ulen, &n);
}

/* ---- data calls ---- */

static bool can_send(struct usock *s, struct area *a)
{
    (void)a;
    return (upoll(s) & POLLOUT) != 0;
}

static bool can_recv(struct usock *s, struct area *a)
{
    (void)a;
    return (upoll(s) & (POLLIN | POLLHUP)) != 0;
}

static bool nonblocking(int fd, int flags)
{
    struct vfs_file *f = vfs_fd_file(rt_vfs, fd);
    return (flags & MSG_DONTWAIT) || !f || (f->flags & O_NONBLOCK);
}

/* send on a connected socket, waiting unless non-blocking; a stream sends all of it
 * (or what it had before a signal or an error). */
static long do_send(int fd, struct usock *s, const uint8_t *buf, uint64_t n, int flags)
{
    uint64_t done = 0, deadline = s->sndtimeo_ns ? cx_clock_ns() + s->sndtimeo_ns : 0;
    long r;
    for (;;) {
        r = conn_send(s, buf + done, n - done);
        if (r > 0 && !records(s->type)) {
            done += (uint64_t)r;
            if (done < n)
                continue;
            r = (long)done;
            break;
        }
        if (r != -EAGAIN || nonblocking(fd, flags))
            break;
        int w = wait_until(s->conn, fd, s, can_send, deadline);
        if (w) {
            r = w;
            break;
        }
    }
    if (r < 0 && done)
        r = (long)done;
    if (r == -EPIPE && !(flags & MSG_NOSIGNAL))
        rt_raise_sigpipe();
    return r;
}

/* One datagram to receiver a, waiting for room unless non-blocking. */
static long dgram_send(int fd, struct usock *s, struct area *a, const uint8_t *buf, uint64_t n,
                       int flags)
{
    for (;;) {
        long r = dest_send(s, a, buf, n);
        if (r != -EAGAIN || nonblocking(fd, flags))
            return r;
        uint64_t bits;
        rt_unlock();
        long err = cx_notif_wait(a->slot_notif, WAIT_SLICE_NS, &bits);
        rt_lock();
        if (err == CX_E_INTERRUPTED && rt_signal_interrupted())
            return -EINTR;
        if (fd_usock(fd) != s)
            return -EBADF;
    }
}

long rt_unix_sendto(int fd, uint64_t buf, uint64_t n, int flags, uint64_t uaddr, uint64_t len)
{
    struct usock *s = fd_usock(fd);
    if (n && !rt_user_range(buf, n))
        return -EFAULT;
    if (n > (1ull << 31))
        n = 1ull << 31;
    if (uaddr && len) {
        if (s->type != SOCK_DGRAM || s->conn)
            return s->conn ? -EISCONN : -EOPNOTSUPP;
        struct name to;
        struct area *a;
        long rc = get_name(uaddr, len, &to);
        if (!rc && !to.len)
            rc = -EINVAL;
        if (!rc)
            rc = dest_get(&to, &a);
        if (rc)
            return rc;
        rc = dgram_send(fd, s, a, (const uint8_t *)buf, n, flags);
        area_put(a);
        return rc;
    }
    if (!s->conn && s->dest)
        return dgram_send(fd, s, s->dest, (const uint8_t *)buf, n, flags);
    if (!s->conn)
        return -ENOTCONN;
    return do_send(fd, s, (const uint8_t *)buf, n, flags);
}

/* A receive with the waits: count, 0 (end of file), -errno; *full a record's length. */
static long do_recv(int fd, struct usock *s, uint8_t *buf, uint64_t n, int flags, uint32_t *full,
                    struct name *from)
{
    bool peek = (flags & MSG_PEEK) != 0;
    uint64_t done = 0, deadline = s->rcvtimeo_ns ? cx_clock_ns() + s->rcvtimeo_ns : 0;
    long r;
    for (;;) {
        r = sock_recv(s, buf + done, n - done, peek, full, from);
        if (r > 0 && !records(s->type) && (flags & MSG_WAITALL) && !peek) {
            done += (uint64_t)r;
            if (done < n)
                continue;
            r = (long)done;
            break;
        }
        if (r != -EAGAIN || nonblocking(fd, flags))
            break;
        struct area *a = s->conn ? s->conn : s->lst;
        if (!a) {
            rt_unlock();
            long e = rt_sleep_ns(WAIT_SLICE_NS);
            rt_lock();
            if (e < 0) {
                r = e;
                break;
            }
            continue;
        }
        int w = wait_until(a, fd, s, can_recv, deadline);
        if (w) {
            r = w;
            break;
        }
    }
    if (done && (r <= 0))
        r = (long)done;
    return r;
}

long rt_unix_recvfrom(int fd, uint64_t buf, uint64_t n, int flags, uint64_t uaddr, uint64_t ulen)
{
    struct usock *s = fd_usock(fd);
    if (n && !rt_user_range(buf, n))
        return -EFAULT;
    if (uaddr && !rt_user_range(ulen, 4))
        return -EFAULT;
    if (n > (1ull << 31))
        n = 1ull << 31;
    uint32_t full;
    struct name from;
    long r = do_recv(fd, s, (uint8_t *)buf, n, flags, &full, &from);
    if (r >= 0 && records(s->type) && (flags & MSG_TRUNC))
        r = full;
    if (r >= 0 && uaddr) {
        if (s->conn)
            peer_name(s, &from);
        put_source(uaddr, ulen, &from);
    }
    return r;
}

long rt_unix_shutdown(int fd, int how)
{
    struct usock *s = fd_usock(fd);
    if (how < 0 || how > 2)
        return -EINVAL;
    if (!s->conn)
        return 0; /* Linux: nobody to tell, and a later connect starts afresh */
    uint32_t bits = (how != 1 ? SHUT_RD_BIT : 0) | (how != 0 ? SHUT_WR_BIT : 0);
    __atomic_or_fetch(&s->conn->h->shut[s->side], bits, __ATOMIC_ACQ_REL);
    wake(s->conn);
    return 0;
}

long rt_unix_setsockopt(int fd, int level, int name, uint64_t val, uint64_t len)
{
    struct usock *s = fd_usock(fd);
    static bool said;
    if (level == SOL_SOCKET && (name == 7 || name == 8)) { /* SO_SNDBUF, SO_RCVBUF */
        int32_t v;
        if (len < 4)
            return -EINVAL;
        if (!rt_user_range(val, 4))
            return -EFAULT;
        memcpy(&v, (const void *)val, 4);
        *(name == 7 ? &s->sndbuf : &s->rcvbuf) = v < 2048 ? 2048 : v;
        return 0;
    }
    if (level == SOL_SOCKET && (name == 20 || name == 21)) { /* SO_RCVTIMEO, SO_SNDTIMEO */
        int64_t tv[2];
        if (len < sizeof(tv))
            return -EINVAL;
        if (!rt_user_range(val, sizeof(tv)))
            return -EFAULT;
        memcpy(tv, (const void *)val, sizeof(tv));
        if (tv[1] < 0 || tv[1] >= 1000000)
            return -EDOM;
        if (tv[0] < 0)
            tv[0] = tv[1] = 0; /* Linux: a negative time is "for ever" */
        if (tv[0] > 100000000)
            tv[0] = 100000000;
        uint64_t ns = (uint64_t)tv[0] * 1000000000ull + (uint64_t)tv[1] * 1000ull;
        *(name == 20 ? &s->rcvtimeo_ns : &s->sndtimeo_ns) = ns;
        return 0;
    }
    if (!said) {
        said = true;
        rt_log("[runtime] setsockopt(AF_UNIX, %d, %d): not supported: ENOPROTOOPT\n", level, name);
    }
    return -ENOPROTOOPT;
}

long rt_unix_getsockopt(int fd, int level, int name, uint64_t val, uint64_t ulen)
{
    struct usock *s = fd_usock(fd);
    if (!rt_user_range(ulen, 4))
        return -EFAULT;
    int32_t len;
    memcpy(&len, (const void *)ulen, 4);
    if (len < 0)
        return -EINVAL;
    int32_t v[3] = {0, 0, 0};
    uint32_t size = 4;
    if (level != SOL_SOCKET)
        return -EOPNOTSUPP;
    switch (name) {
    case 3: /* SO_TYPE */
        v[0] = (int32_t)s->type;
        break;
    case 4: /* SO_ERROR: a reset, taken */
        v[0] = take_reset(s) ? ECONNRESET : 0;
        break;
    case 39: /* SO_DOMAIN */
        v[0] = AF_UNIX;
        break;
    case 38: /* SO_PROTOCOL */
        break;
    case 30: /* SO_ACCEPTCONN */
        v[0] = s->listening;
        break;
    case 7: /* SO_SNDBUF, SO_RCVBUF: Linux reports twice what was set */
    case 8: {
        int64_t b = name == 7 ? s->sndbuf : s->rcvbuf;
        v[0] = b ? (int32_t)(b * 2) : (int32_t)UNIX_RING;
        break;
    }
    case 20: /* SO_RCVTIMEO, SO_SNDTIMEO: a struct timeval */
    case 21: {
        uint64_t ns = name == 20 ? s->rcvtimeo_ns : s->sndtimeo_ns;
        int64_t tv[2] = {(int64_t)(ns / 1000000000ull), (int64_t)(ns % 1000000000ull / 1000)};
        uint32_t k = (uint32_t)len < sizeof(tv) ? (uint32_t)len : sizeof(tv);
        if (k && !rt_user_range(val, k))
            return -EFAULT;
        memcpy((void *)val, tv, k);
        len = (int32_t)k;
        memcpy((void *)ulen, &len, 4);
        return 0;
    }
    case 17: /* SO_PEERCRED: the peer's at connect or socketpair */
        size = 12;
        v[1] = v[2] = -1;
        if (s->conn) {
            int other = !s->side;
            for (int i = 0; i < 3; i++)
                v[i] = __atomic_load_n(&s->conn->h->cred[other][i], __ATOMIC_ACQUIRE);
        }
        break;
    default:
        return -ENOPROTOOPT;
    }
    uint32_t k = (uint32_t)len < size ? (uint32_t)len : size;
    if (k && !rt_user_range(val, k))
        return -EFAULT;
    memcpy((void *)val, v, k);
    len = (int32_t)k;
    memcpy((void *)ulen, &len, 4);
    return 0;
}

/* Linux's struct msghdr and struct iovec on x86_64. */
struct l_msghdr {
    uint64_t name;
    uint32_t namelen, pad0;
    uint64_t iov, iovlen, control, controllen;
    int32_t flags, pad1;
};
struct l_iovec {
    uint64_t base, len;
};

/* Reads the header and sums the vector: 0 or -errno. */
static int get_msg(uint64_t umsg, struct l_msghdr *m, uint64_t *total)
{
    if (!rt_user_range(umsg, sizeof(*m)))
        return -EFAULT;
    memcpy(m, (const void *)umsg, sizeof(*m));
    if (m->iovlen > 1024)
        return -EMSGSIZE;
    if (m->iovlen && !rt_user_range(m->iov, m->iovlen * sizeof(struct l_iovec)))
        return -EFAULT;
    *total = 0;
    for (uint64_t i = 0; i < m->iovlen; i++) {
        struct l_iovec v;
        memcpy(&v, (const void *)(m->iov + i * sizeof(v)), sizeof(v));
        if (v.len > (1ull << 31) || __builtin_add_overflow(*total, v.len, total) ||
            *total > (1ull << 31))
            return -EINVAL;
        if (v.len && !rt_user_range(v.base, v.len))
            return -EFAULT;
    }
    return 0;
}

static void iov_copy(const struct l_msghdr *m, uint8_t *buf, uint64_t n, bool to_iov)
{
    for (uint64_t i = 0, done = 0; i < m->iovlen && done < n; i++) {
        struct l_iovec v;
        memcpy(&v, (const void *)(m->iov + i * sizeof(v)), sizeof(v));
        uint64_t k = v.len < n - done ? v.len : n - done;
        if (to_iov)
            memcpy((void *)v.base, buf + done, k);
        else
            memcpy(buf + done, (const void *)v.base, k);
        done += k;
    }
}

/* sendmsg: the vector gathered (a record is sent whole); control data (SCM_RIGHTS,
 * SCM_CREDENTIALS) is not carried: EOPNOTSUPP (docs/unix-sockets.md). */
long rt_unix_sendmsg(int fd, uint64_t umsg, int flags)
{
    struct l_msghdr m;
    uint64_t total;
    int rc = get_msg(umsg, &m, &total);
    if (rc)
        return rc;
    if (m.controllen) {
        static bool said;
        if (!said) {
            said = true;
            rt_log("[runtime] sendmsg(AF_UNIX) with control data (SCM_RIGHTS?): EOPNOTSUPP\n");
        }
        return -EOPNOTSUPP;
    }
    uint8_t *buf = rt_alloc(total ? total : 1);
    if (!buf)
        return -ENOMEM;
    iov_copy(&m, buf, total, false);
    long r = rt_unix_sendto(fd, (uint64_t)buf, total, flags, m.name, m.namelen);
    rt_free(buf, total ? total : 1);
    return r;
}

/* recvmsg: one receive, scattered; MSG_TRUNC for a longer record; no control messages
 * (nothing can send them). */
long rt_unix_recvmsg(int fd, uint64_t umsg, int flags)
{
    struct usock *s = fd_usock(fd);
    struct l_msghdr m;
    uint64_t total;
    int rc = get_msg(umsg, &m, &total);
    if (rc)
        return rc;
    uint64_t size = records(s->type) ? UNIX_RING : total < 2 * UNIX_RING ? total : 2 * UNIX_RING;
    if ((flags & MSG_WAITALL) && !records(s->type))
        size = total;
    uint8_t *buf = rt_alloc(size ? size : 1);
    if (!buf)
        return -ENOMEM;
    uint32_t full;
    struct name from;
    long r = do_recv(fd, s, buf, size, flags & ~MSG_TRUNC, &full, &from);
    if (r >= 0) {
        uint64_t k = (uint64_t)r < total ? (uint64_t)r : total;
        iov_copy(&m, buf, k, true);
        int32_t out_flags = records(s->type) && full > k ? MSG_TRUNC : 0;
        if (records(s->type))
            r = (flags & MSG_TRUNC) ? (long)full : (long)k;
        struct l_msghdr *um = (struct l_msghdr *)umsg;
        if (m.name) {
            if (s->conn)
                peer_name(s, &from);
            uint8_t a[2 + NAME_MAX_UNIX + 1];
            uint16_t fam = AF_UNIX;
            memcpy(a, &fam, 2);
            memcpy(a + 2, from.path, from.len);
            a[2 + from.len] = 0;
            uint32_t full_len = from.len ? name_addrlen(&from) : 0;
            uint32_t c = m.namelen < full_len ? m.namelen : full_len;
            if (c && rt_user_range(m.name, c))
                memcpy((void *)m.name, a, c);
            um->namelen = full_len;
        }
        um->flags = out_flags;
        um->controllen = 0;
    }
    rt_free(buf, size ? size : 1);
    return r;
}

/* ---- waits for the VFS calls (fs.c) and poll (poll.c) ---- */

int rt_unix_wait(struct vfs_file *f, unsigned events)
{
    struct usock *s = usock_of_node(f->node);
    if (!s)
        return 0;
    struct area *a = s->conn ? s->conn : (events & POLLOUT) && s->dest ? s->dest : s->lst;
    while (!(upoll(s) & (events | POLLHUP | POLLERR))) {
        uint64_t bits;
        rt_unlock();
        /* a client before its accept also watches its listener: it looks again */
        bool pending = s->conn && s->side == 1 && !s->conn->h->accepted;
        long err =
            a ? cx_notif_wait(a->slot_notif, pending ? 10 * WAIT_SLICE_NS : CX_TIMEOUT_NONE, &bits)
              : rt_sleep_ns(WAIT_SLICE_NS);
        rt_lock();
        if ((err == CX_E_INTERRUPTED || err == -EINTR) && rt_signal_interrupted())
            return -EINTR;
        if (!usock_of_node(f->node))
            return 1;
    }
    if (a)
        wake(a);
    return 1;
}

uint64_t rt_unix_notif(struct vfs_file *f)
{
    struct usock *s = usock_of_node(f->node);
    struct area *a = !s ? NULL : s->conn ? s->conn : s->lst;
    return a ? a->slot_notif : 0;
}

/*
 * AF_UNIX sockets (libc/unix.c, unix_ring.c, unix_names.c, unix_data.c, unix_rights.c;
 * docs/unix-sockets.md): the shared header of a connection or listener object, the
 * per-process socket, and what the files share. Private to them.
 */
#ifndef CAPIX_LIBC_UNIX_H
#define CAPIX_LIBC_UNIX_H

#include <vfs/plugin.h>
#include "runtime.h"

#define UNIX_RING (32 * 1024u)
#define UNIX_BACKLOG 8
#define NAME_MAX_UNIX 108 /* sun_path */
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
#define WAIT_IN 0  /* a receive, accept or connect waits: data, end of file, a connection */
#define WAIT_OUT 1 /* a send waits: room */
#define WAIT_SAFETY_NS 100000000ull /* a blocked call looks again at least this often */
#define RESET_PENDING 1             /* the peer went with data unread: the next receive says so */
#define RESET_TOLD 2                /* said once (Linux's sk_err, taken by the call that sees it) */

#define UNIX_SCM_MAX 16  /* descriptors one message carries (Linux: 253) */
#define UNIX_CTL_SLOTS 4 /* messages with descriptors in one ring at once */
#define CTL_FREE 0
#define CTL_READY 2
/* What a passed descriptor is (struct unix_ctl's info): its kind, a pipe's access mode
 * or a socket's side, a socket's type, and whether its description is non-blocking. */
#define PASS_PIPE 1u
#define PASS_UNIX 2u
#define PASS_FS 3u   /* a file of a File_system session: sub its access mode */
#define PASS_EFD 4u  /* an eventfd, timerfd, signalfd: sub rt_kobj_pass's */
#define PASS_DEV 5u  /* a stateless device (no ticket): sub its access mode, type which */
#define PASS_TTY 6u  /* a terminal (its label's hash for a ticket): sub its access mode */
#define PASS_INET 7u /* an AF_INET socket: type its state bits (socket.h, rt_sock_pass) */
#define PASS_NO_TICKET (1ull << 63) /* set in the ticket words of kinds without one */
#define PASS_INFO(kind, sub, type, nonblock)                                                       \
    ((kind) | (uint32_t)(sub) << 4 | (uint32_t)(type) << 8 | (uint32_t)((nonblock) != 0) << 16)
#define PASS_KIND(i) ((i)&15u)
#define PASS_SUB(i) (((i) >> 4) & 15u)
#define PASS_TYPE(i) (((i) >> 8) & 255u)
#define PASS_NONBLOCK(i) (((i) >> 16) & 1u)

/* Descriptors in flight: a message's SCM_RIGHTS, as tickets of the launcher. */
struct unix_rights {
    uint32_t n;
    uint64_t ticket[UNIX_SCM_MAX];
    uint32_t info[UNIX_SCM_MAX];
};

/* A message's descriptors in the header (untrusted, as all of it): the data they came
 * with starts at ring position pos (bytes ever) and is len bytes long. Written under
 * the ring's write lock before the data's head is published, taken under its read lock. */
struct unix_ctl {
    volatile uint32_t state; /* CTL_FREE, CTL_READY */
    uint32_t nfds;
    uint64_t pos, len;
    uint64_t ticket[UNIX_SCM_MAX];
    uint32_t info[UNIX_SCM_MAX];
};

struct rec {
    uint32_t len, namelen; /* then namelen bytes of the sender's name, then len bytes */
};

/* The header page of a connection or listener object (shared, untrusted). */
struct unix_hdr {
    struct rt_pipe_ring counts;         /* readers: side 0's descriptions (a listener: the */
                                        /* listening ones), writers: side 1's */
    volatile uint64_t head[2], tail[2]; /* ring d: written by side d, bytes ever */
    volatile int32_t wlock[2], rlock[2];
    volatile uint32_t shut[2];       /* each side's own shutdown (SHUT_RD_BIT, SHUT_WR_BIT) */
    volatile uint32_t reset[2];      /* ECONNRESET for that side: RESET_PENDING, RESET_TOLD */
    volatile int32_t cred[2][3];     /* pid, uid, gid of each side */
    volatile uint32_t type;          /* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
    volatile uint32_t accepted;      /* a connection: its side 0 is there (or a pair) */
    volatile uint32_t bound;         /* a listener: processes holding its abstract name */
    volatile uint32_t nslots;        /* a listener: the backlog */
    volatile uint32_t order;         /* a listener: connections so far */
    volatile uint32_t namelen[2];    /* each side's address (sun_path bytes), a */
    char name[2][NAME_MAX_UNIX];     /* listener's in [0] */
    volatile uint32_t ev[2][2];      /* changes side d's waiters for WAIT_IN or WAIT_OUT */
                                     /* look for, ever: the futex words they sleep on */
    volatile uint32_t waiters[2][2]; /* threads asleep on each (0: no wake call) */
    struct unix_ctl ctl[2][UNIX_CTL_SLOTS]; /* descriptors sent with ring d's data */
    struct {
        volatile uint32_t state, order;
        volatile uint64_t key;
    } slot[UNIX_BACKLOG];
    volatile uint32_t status[2]; /* each side's one description's status flags (a */
                                 /* listener's in [0]; rt_file_status) */
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

/* unix_ring.c: the objects and their rings */
/* A new object (named false), or the object of key (dev, ino) in the launcher's table,
 * mapped here with one reference: 0 or -errno. */
long unix_area_get(bool named, uint64_t dev, uint64_t ino, struct area **out);
/* The object of a received descriptor (the launcher's ticket), mapped here: 0 or -errno. */
long unix_area_adopt(uint64_t ticket, struct area **out);
void unix_area_put(struct area *a); /* drops one reference */
/* Tells side's waiters (and pollers) that something changed in a: ev[side] counts it, its
 * sleepers are woken, the notification signalled; side -1: both sides. */
void unix_wake_side(struct area *a, int side);
void unix_wake_kind(struct area *a, int side, int kind); /* only side's waiters for kind */
void unix_wake(struct area *a);                          /* unix_wake_side(a, -1) */
int32_t unix_count(struct area *a, int side, int32_t n); /* adds n descriptions: the total */
int32_t unix_counted(const struct area *a, int side);    /* side's open descriptions */
/* Bytes in ring d of a (its tail in *tail unless NULL), or -1 if its counts are broken. */
int64_t unix_ring_used(struct area *a, int d, uint64_t *tail);
bool unix_records(uint32_t type);      /* whether type keeps boundaries */
bool unix_take_reset(struct usock *s); /* s's ECONNRESET to report: true once */
unsigned unix_upoll(struct usock *s);  /* s's readiness (POLLIN, POLLOUT, ...) */
/* Bytes queued on s: unsent (out, SIOCOUTQ) or to be read (FIONREAD; records: Linux's count). */
int unix_queued(struct usock *s, bool out);
/* One send into a connected socket, without waiting: the count, -EAGAIN, or -errno;
 * rights (NULL: none) go with the first byte sent, and are then the receiver's. */
int64_t unix_conn_send(struct usock *s, const void *buf, size_t n,
                       const struct unix_rights *rights);
/* One datagram to receiver a (a bound datagram socket's object), without waiting. */
int64_t unix_dest_send(struct usock *s, struct area *a, const void *buf, size_t n,
                       const struct unix_rights *rights); /* rights as unix_conn_send's */
/* One receive without waiting: count, 0 at end of file, -EAGAIN, -errno. */
int64_t unix_sock_recv(struct usock *s, void *buf, size_t n, bool peek, uint32_t *full,
                       struct name *from, struct unix_rights *rights);
/* The counts of side's open descriptions of a, in all only (one in flight): adds n. */
void unix_count_inflight(struct area *a, int side, int32_t n);
/* Takes every message's descriptors waiting in ring d of a and gives them back. */
void unix_ctl_drain(struct area *a, int d);
/* unix.c: the sockets of this process, passing and adopting them, the waits */
struct usock *unix_fd_usock(int fd); /* the AF_UNIX socket of fd, or NULL */
/* A new socket of type here (not yet open): 0 or -errno. */
long unix_usock_new(uint32_t type, struct usock **out);
/* A descriptor for s (flags SOCK_NONBLOCK, SOCK_CLOEXEC): the fd, or -errno with s
 * released. */
long unix_usock_install(struct usock *s, uint32_t flags);
void unix_set_cred(struct unix_hdr *h, int side); /* side's pid, uid, gid: the caller's */
/* A received connection's side (a ticket of the launcher; side 2: a listening socket)
 * as a new descriptor with the given status (O_NONBLOCK) and descriptor flags
 * (O_CLOEXEC): fd or -errno. */
long unix_adopt(uint64_t ticket, int side, uint32_t status, uint32_t fdflags);
/* A connected or listening socket's pass: its object's id and counts mask, its
 * in-flight count moved by delta: 0, or -EOPNOTSUPP for another socket. */
long unix_pass(struct usock *s, uint64_t *id, unsigned *counts, int delta);

/* Waits (without the runtime lock) on a's notification until ready() holds for s, up to
 * deadline (0: none), for changes of kind (WAIT_IN, WAIT_OUT): 0, -EAGAIN at the deadline, -EINTR
 * for a signal, -EBADF if fd no longer names s. Called with the runtime lock held. */
int unix_wait_until(struct area *a, int fd, struct usock *s,
                    bool (*ready)(struct usock *, struct area *), uint64_t deadline, int kind);
int unix_wait_on(struct area *a, int fd, struct usock *s,
                 bool (*ready)(struct usock *, struct area *)); /* no deadline */

/* unix_names.c */
/* The receiver of a datagram to name n, held: 0 or -errno. */
long unix_dest_get(const struct name *n, struct area **out);
/* A program's struct sockaddr_un: 0 and the name (len 0: only the family), or -errno. */
int unix_get_name(uint64_t uaddr, uint64_t len, struct name *n);
uint32_t unix_name_addrlen(const struct name *n); /* Linux's: a path counts its NUL */
/* The struct sockaddr_un of n in a (2 + NAME_MAX_UNIX + 1 bytes): family, path, NUL. */
void unix_sockaddr(const struct name *n, uint8_t *a);
/* Writes a name back as Linux does: truncated to *ulen, *ulen set to its length
 * (rt_put_sized). uaddr NULL is a fault unless *ulen is 0. */
int unix_put_name(uint64_t uaddr, uint64_t ulen, const struct name *n);
void unix_peer_name(const struct usock *s, struct name *n); /* len 0: unnamed */
/* Writes the source of a message as recvfrom and recvmsg do: an unnamed one has length 0. */
void unix_put_source(uint64_t uaddr, uint64_t ulen, const struct name *n);

/* unix_rights.c */
/* The descriptors of a message's control data (SCM_RIGHTS; SCM_CREDENTIALS checked and
 * not carried), each with a ticket: 0 or -errno (nothing then in flight). */
long unix_rights_get(const struct l_msghdr *m, struct unix_rights *r);
void unix_rights_drop(struct unix_rights *r); /* gives every ticket back; r->n = 0 */
/* Installs received descriptors as recvmsg does into the message at umsg (its control
 * buffer m->control, m->controllen): the new msg_controllen, MSG_CTRUNC in *out_flags;
 * those that do not fit are given back. */
uint64_t unix_rights_deliver(struct unix_rights *r, const struct l_msghdr *m, int flags,
                             int32_t *out_flags);

#endif

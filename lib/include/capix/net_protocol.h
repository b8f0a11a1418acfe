/*
 * The Net session protocol (docs/net-protocol.md): what the `socket` VFS plugin
 * (vfs-plugins/socket, the client, inside a POSIX process's runtime) asks the network
 * server (net/) and what it answers.
 *
 * Control operations are IPC calls of label NET_LABEL_REQUEST: word 0 the operation,
 * words 1..5 its arguments (NET_REQUEST_WORDS in all, fixed size). The server copies
 * them once into a private struct net_request with net_request_decode, which checks
 * every field (operation, handle range, address and port widths, enumerations, sizes
 * with overflow-safe arithmetic) and changes nothing; only a decoded request is acted
 * on. The answer is word 0 (>= 0, or a negative Linux errno) and up to three more.
 *
 * Sockets are objects of the server named by a per-session handle (1..NET_HANDLES_MAX;
 * 0 is never valid) with a reference count: NET_DUP adds one (fork, dup), NET_CLOSE
 * drops one, the lwIP pcb goes with the last or with the session.
 *
 * Addresses are IPv4 in host byte order in the low 32 bits of a word; ports in the low
 * 16 bits. Wider values are malformed (EINVAL), never truncated. An IPv6 address (the
 *  *6 operations, for sockets made with NET_T_INET6) is two words, its bytes 0..7 and
 * 8..15 each read as a big-endian 64-bit number.
 *
 * Data moves through the session's memory (the second capability of the session's
 * answer), laid out as struct net_ctl[NET_HANDLES_MAX] in its first NET_CTL_PAGES pages,
 * then per handle h a receive ring and a send ring of NET_RING_BYTES each
 * (net_ring_offset). Ring indices are free-running 32-bit byte counts; a ring holds
 * prod - cons bytes (mod 2^32), never more than NET_RING_BYTES. Each side writes only
 * its own index; the server reads the client's once per look and checks it (a value
 * that would mean more than the ring, or a step back, breaks the socket: EIO), never
 * trusting it. A datagram socket's rings hold records: struct net_dgram, then len bytes.
 */
#ifndef CAPIX_NET_PROTOCOL_H
#define CAPIX_NET_PROTOCOL_H

#include <stdint.h>

#define NET_LABEL_REQUEST 0x60 /* words as below; answer word 0: result or -errno */
#define NET_LABEL_BIND 0x61    /* word 0 the bits to signal, one capability: a notification */

#define NET_REQUEST_WORDS 6u /* op + five arguments */
#define NET_HANDLES_MAX 256u /* sockets of one session at a time */
#define NET_BACKLOG_MAX 128u /* listen() backlogs are clamped to this (Linux: somaxconn) */
#define NET_BUF_MIN 2048u    /* SO_RCVBUF/SO_SNDBUF are clamped into [MIN, MAX] */
#define NET_BUF_MAX (1u << 20)
#define NET_RING_PAGES 16u /* per direction per socket: 64 KiB */
#define NET_RING_BYTES (NET_RING_PAGES * 4096u)
#define NET_CTL_PAGES 2u     /* struct net_ctl[NET_HANDLES_MAX] at the session memory's start */
#define NET_DGRAM_MAX 65507u /* a UDP payload over IPv4 */

enum net_op {
    NET_SOCKET = 1, /* a0 NET_T_STREAM or NET_T_DGRAM -> r0 handle */
    NET_BIND,       /* a0 handle, a1 address, a2 port -> r0 0, r1 the port bound */
    NET_LISTEN,     /* a0 handle, a1 backlog (clamped) */
    NET_ACCEPT,     /* a0 handle -> r0 new handle, r1 peer address, r2 peer port (EAGAIN) */
    NET_CONNECT,    /* a0 handle, a1 address, a2 port -> 0 or EINPROGRESS (readiness says) */
    NET_SHUTDOWN,   /* a0 handle, a1 SHUT_RD 0, SHUT_WR 1, SHUT_RDWR 2 */
    NET_SETOPT,     /* a0 handle, a1 enum net_opt, a2 value */
    NET_GETOPT,     /* a0 handle, a1 enum net_opt -> r1 value */
    NET_NAME,       /* a0 handle, a1 0 local 1 peer -> r1 address, r2 port */
    NET_DUP,        /* a0 handle: one more reference */
    NET_CLOSE,      /* a0 handle: one reference less */
    NET_KICK,       /* a0 handle: the client produced on the send ring or consumed */
    NET_INFO,       /* -> r1 the bytes of the session memory, r2 the sockets it covers */
    NET_BIND6,      /* a0 handle, a1 a2 IPv6 address, a3 port -> r0 0, r1 the port bound */
    NET_CONNECT6,   /* a0 handle, a1 a2 IPv6 address, a3 port -> 0 or EINPROGRESS */
    NET_NAME6,      /* a0 handle, a1 0 local 1 peer -> r1 r2 IPv6 address (an IPv4 one */
                    /* as ::ffff:a.b.c.d), r3 port */
    NET_OP_COUNT
};

/* NET_SOCKET's type; NET_T_INET6 with NET_T_STREAM: an IPv6 socket (AF_INET6), which
 * also takes IPv4 peers as ::ffff:a.b.c.d unless NET_OPT_V6ONLY is set before bind */
enum net_type { NET_T_STREAM = 1, NET_T_DGRAM = 2 };
#define NET_T_INET6 0x10u

enum net_opt {
    NET_OPT_REUSEADDR = 1, /* 0 or 1 */
    NET_OPT_KEEPALIVE,     /* 0 or 1 */
    NET_OPT_NODELAY,       /* 0 or 1 */
    NET_OPT_RCVBUF,        /* bytes, clamped */
    NET_OPT_SNDBUF,        /* bytes, clamped */
    NET_OPT_ERROR,         /* get only: the pending error (positive errno), cleared */
    NET_OPT_V6ONLY,        /* 0 or 1, an IPv6 socket before bind (IPV6_V6ONLY) */
    NET_OPT_COUNT
};

/*
 * One socket's control block in the session memory (handle h: ctl[h - 1]). The server
 * writes ready, rx_prod and tx_cons; the client writes rx_cons and tx_prod. The server
 * zeroes all of it when it gives out the handle. A change the client may wait for
 * (ready, an index the server moves) is followed by a signal of the session's
 * notification (NET_LABEL_BIND).
 */
struct net_ctl {
    uint32_t ready;   /* NET_RDY_* */
    uint32_t rx_prod; /* bytes the server put into the receive ring */
    uint32_t rx_cons; /* bytes the client took out of it */
    uint32_t tx_prod; /* bytes the client put into the send ring */
    uint32_t tx_cons; /* bytes the server took out of it */
    uint32_t status;  /* the clients': the socket's description's status flags (F_SETFL, */
                      /* shared by every holder); the server only zeroes it */
    uint32_t reserved[2];
};

enum net_ready {
    NET_RDY_IN = 1u << 0,     /* data in the receive ring, or a connection to accept */
    NET_RDY_OUT = 1u << 1,    /* connected (or datagram): the send ring is drained */
    NET_RDY_ERR = 1u << 2,    /* a pending error: NET_GETOPT NET_OPT_ERROR reads it */
    NET_RDY_EOF = 1u << 3,    /* the peer's FIN: nothing follows the ring's bytes */
    NET_RDY_HUP = 1u << 4,    /* the connection is gone (reset, refused, broken ring) */
    NET_RDY_CONN = 1u << 5,   /* connected (a stream socket's connect finished) */
    NET_RDY_ACC = 1u << 6,    /* a listener has connections waiting */
    NET_RDY_RXKICK = 1u << 7, /* the server wants NET_KICK after the client consumes */
    NET_RDY_WRSHUT = 1u << 8, /* the sending side is shut down (shutdown or reset) */
};

/* A datagram socket's ring record header; len bytes follow. On the send ring addr 0 and
 * port 0 mean the connected peer. */
struct net_dgram {
    uint32_t len;
    uint32_t addr;
    uint16_t port;
    uint16_t zero;
};

/* Byte offset in the session memory of handle h's receive (tx 0) or send (tx 1) ring. */
static inline uint64_t net_ring_offset(uint32_t h, int tx)
{
    return (uint64_t)NET_CTL_PAGES * 4096u +
           ((uint64_t)(h - 1) * 2u + (tx ? 1u : 0u)) * (uint64_t)NET_RING_BYTES;
}

/* A request as the server acts on it: a private copy, every field checked. */
struct net_request {
    uint32_t op;       /* enum net_op */
    uint32_t handle;   /* 1..NET_HANDLES_MAX, or 0 for NET_SOCKET */
    uint32_t addr;     /* IPv4, host byte order */
    uint8_t addr6[16]; /* the *6 operations' IPv6 address */
    uint16_t port;
    uint32_t arg;   /* type, backlog, how, option, or which name */
    uint64_t value; /* NET_SETOPT: the (clamped) value */
};

/*
 * Decodes words[0..nwords) of a NET_LABEL_REQUEST into *out. Reads each word once,
 * writes only *out. Returns 0, or -EINVAL (too few words, a field out of range),
 * -ENOSYS (unknown operation), -EBADF (a handle out of range), -ENOPROTOOPT (an
 * unknown option), -EOPNOTSUPP (a socket type not served). Freestanding.
 */
int net_request_decode(const uint64_t *words, unsigned nwords, struct net_request *out);

/*
 * The bytes of session memory nsockets sockets need with ring_pages pages per ring
 * (two rings each, plus the NET_CTL_PAGES of control blocks for the session). Returns 0 and
 * sets *out, or -EOVERFLOW when the product does not fit, -EINVAL for 0 pages.
 */
int net_session_bytes(uint64_t nsockets, uint64_t ring_pages, uint64_t *out);

#endif

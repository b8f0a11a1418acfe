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
 * 16 bits. Wider values are malformed (EINVAL), never truncated.
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
#define NET_RING_PAGES 16u /* default per direction per socket: 64 KiB */

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
    NET_KICK,       /* a0 handle: the client produced on the socket's send ring */
    NET_OP_COUNT
};

enum net_type { NET_T_STREAM = 1, NET_T_DGRAM = 2 };

enum net_opt {
    NET_OPT_REUSEADDR = 1, /* 0 or 1 */
    NET_OPT_KEEPALIVE,     /* 0 or 1 */
    NET_OPT_NODELAY,       /* 0 or 1 */
    NET_OPT_RCVBUF,        /* bytes, clamped */
    NET_OPT_SNDBUF,        /* bytes, clamped */
    NET_OPT_ERROR,         /* get only: the pending error (positive errno), cleared */
    NET_OPT_COUNT
};

/* A request as the server acts on it: a private copy, every field checked. */
struct net_request {
    uint32_t op;     /* enum net_op */
    uint32_t handle; /* 1..NET_HANDLES_MAX, or 0 for NET_SOCKET */
    uint32_t addr;   /* IPv4, host byte order */
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
 * (two rings each, plus one page of readiness words for the session). Returns 0 and
 * sets *out, or -EOVERFLOW when the product does not fit, -EINVAL for 0 pages.
 */
int net_session_bytes(uint64_t nsockets, uint64_t ring_pages, uint64_t *out);

#endif

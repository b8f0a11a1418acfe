/*
 * A Net session's sockets (docs/net-protocol.md): the table of handles with their
 * reference counts, the session's memory charge against its donation, and the policy
 * checks, over a TCP/IP stack reached through struct net_stack (lwIP in the server, a
 * fake in host tests). Requests come decoded (net_request_decode); this file decides
 * and changes. Single-threaded: the server's loop owns every session.
 */
#ifndef NET_SESSION_H
#define NET_SESSION_H

#include <capix/net_protocol.h>
#include <stdint.h>
#include "net_policy.h"
#include "net_ring.h"

/* What the session logic asks of the stack; each returns 0 or a negative errno. */
struct net_stack {
    int (*open)(void *ctx, uint32_t type, void **pcb);
    void (*close)(void *ctx, void *pcb); /* the last reference went: abort or close it */
    int (*bind)(void *ctx, void *pcb, uint32_t addr, uint16_t port, uint16_t *bound);
    int (*listen)(void *ctx, void *pcb, uint32_t backlog);
    /* -EAGAIN when no connection waits */
    int (*accept)(void *ctx, void *pcb, void **conn, uint32_t *addr, uint16_t *port);
    int (*connect)(void *ctx, void *pcb, uint32_t addr, uint16_t port);
    int (*shutdown)(void *ctx, void *pcb, uint32_t how);
    int (*setopt)(void *ctx, void *pcb, uint32_t opt, uint64_t value);
    int (*getopt)(void *ctx, void *pcb, uint32_t opt, uint64_t *value);
    int (*name)(void *ctx, void *pcb, uint32_t peer, uint32_t *addr, uint16_t *port);
    /* IPv6 (NET_T_INET6 sockets; NULL: -EAFNOSUPPORT): an IPv4 address as ::ffff:a.b.c.d */
    int (*bind6)(void *ctx, void *pcb, const uint8_t addr[16], uint16_t port, uint16_t *bound);
    int (*connect6)(void *ctx, void *pcb, const uint8_t addr[16], uint16_t port);
    int (*name6)(void *ctx, void *pcb, uint32_t peer, uint8_t addr[16], uint16_t *port);
    /* Moves data between the socket and its rings (received bytes in, sent bytes out;
     * may_send: the policy lets datagrams go to any peer) and returns its NET_RDY_*
     * word; a broken ring (r->broken) ends the connection (EIO). */
    uint32_t (*pump)(void *ctx, void *pcb, struct net_rings *r, int may_send);
};

#define NET_REFS_MAX 65535u /* references of one socket (processes times descriptors) */

struct net_socket {
    void *pcb;     /* the stack's; NULL when the slot is free */
    uint32_t refs; /* descriptions holding it, in every process of the session */
    uint32_t type; /* NET_T_* */
    uint16_t port; /* bound local port, 0 before bind */
    uint8_t bound; /* bind succeeded (an explicit or the stack's own port) */
    uint8_t listening;
    struct net_rings rings; /* in the session memory */
};

struct net_session {
    const struct net_policy *policy;
    const struct net_stack *stack;
    void *ctx;
    uint64_t donation; /* bytes the client donated for socket memory */
    uint64_t charged;  /* bytes its sockets take now (net_session_bytes) */
    uint32_t ring_pages;
    uint32_t nsockets;
    uint32_t top;          /* one past the highest slot given out so far: the pump's bound */
    volatile uint8_t *mem; /* the session memory, net_session_bytes(donation's sockets) */
    uint8_t signal;        /* a published change not signalled yet (net_session_pump) */
    struct net_socket sock[NET_HANDLES_MAX]; /* handle h is sock[h - 1] */
};

/* Sets up *s for a session under policy with donation bytes. Returns 0, or -ENOMEM when
 * the donation does not cover the session's own page. */
int net_session_init(struct net_session *s, const struct net_policy *policy,
                     const struct net_stack *stack, void *ctx, uint64_t donation);

/* The session memory shared with the client (NULL: none, rings inert), at least
 * s->donation bytes: each new socket's control block and rings are in it. */
void net_session_set_memory(struct net_session *s, volatile uint8_t *mem);

/* Pumps every socket's rings (received data in, data to send out) and publishes each
 * readiness word. Returns 1 when the client should be signalled (a change since the
 * last call, here or in a request). */
int net_session_pump(struct net_session *s);

/* Acts on one decoded request; returns the answer's word 0 (>= 0 or a negative errno)
 * and fills out[0..2] with the words after it (left 0 when unused). */
long net_session_request(struct net_session *s, const struct net_request *r, uint64_t out[3]);

/* The session ended (its capability went): closes every socket it still holds. */
void net_session_end(struct net_session *s);

#endif

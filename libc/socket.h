/*
 * socket.h: what the two halves of the runtime's AF_INET sockets share: socket.c (the
 * Net session, the hidden file system of sockets and the rings' data path) and
 * socket_calls.c (the Linux calls: socket, bind, connect, send, recv, options, ...).
 * docs/net-protocol.md, "The client".
 */
#ifndef RT_SOCKET_H
#define RT_SOCKET_H
#include <capix/net_protocol.h>
#include <vfs/plugin.h>

#define WAIT_SLICE_NS 10000000ull /* waits are sliced: see socket.c's opening comment */
#define PROBE_SLICES 20           /* a wait asks whether the server lives every 200 ms */

/* A socket this process knows: one server reference (handle) per process. */
struct sock {
    struct vfs_node node;
    uint32_t handle, type;
    bool shut_rd, shut_wr, connecting, was_connected, listening;
    bool inet6; /* AF_INET6 (a stream socket of NET_T_INET6): sockaddr_in6 both ways */
    uint64_t rcvtimeo_ns, sndtimeo_ns; /* 0: for ever */
    struct sock *next;
};

struct sock_net {
    bool open, tried;
    bool dead; /* the server is gone: every socket call fails with EIO, every wait ends */
    uint64_t id, slot_ep, slot_mem, notif, bytes;
    uint8_t *mem;
};
extern struct sock_net sock_net;

extern struct sock *sock_list; /* every socket this process knows */

/* The socket a description refers to, or NULL when it is no socket of ours. */
struct sock *sock_of(struct vfs_file *f);
volatile struct net_ctl *sock_ctl(const struct sock *s);
/* One request with up to four arguments (the *6 operations' port is the fourth); the
 * answer's word 0 (>= 0 or -errno), the rest in out[0..2]. */
long sock_net_req4(uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t *out);
static inline long sock_net_req(uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t *out)
{
    return sock_net_req4(op, a0, a1, a2, 0, out);
}
/* The notification the server signals, made and bound on first use in this process. */
void sock_bind_notif(void);
/* The Net session, opened on first use: 0 or -EACCES (no route, logged once). */
int sock_net_ready(void);
/* The pending error (SO_ERROR), read and cleared at the server; 0 if none. */
int sock_take_error(struct sock *s);
int64_t sock_stream_recv(struct sock *s, void *buf, size_t n, bool peek);
int64_t sock_stream_send(struct sock *s, const void *buf, size_t n);
/* One datagram out of the ring: its payload (truncated to n), its source, its length. */
int64_t sock_dgram_recv(struct sock *s, void *buf, size_t n, bool peek, uint32_t *addr,
                        uint16_t *port, uint32_t *full);
int64_t sock_dgram_send(struct sock *s, const void *buf, size_t n, uint32_t addr, uint16_t port);
unsigned sock_poll(struct vfs_file *f, unsigned events);
/* A descriptor for server socket handle h of type: the fd or -errno (the reference
 * dropped on failure). */
long sock_install(uint32_t h, uint32_t type, uint32_t flags);

/* SCM_RIGHTS (unix_rights.c): one more server reference (NET_DUP) on the socket of f for
 * the description in flight, its session's id, handle and what this process knows of it
 * (type, listening, connected, shut down, connecting: state bits): 0, -EOPNOTSUPP for
 * other descriptions, -EIO. */
long rt_sock_pass(struct vfs_file *f, uint64_t *session, uint64_t *handle, uint32_t *state);
/* Gives the reference back (the pass failed). */
void rt_sock_unpass(uint64_t handle);
/* The receiver's side: a new description of a passed socket of this process's Net session
 * (taking over the reference), status flags as sent: the descriptor or -errno. */
long rt_sock_adopt(uint64_t session, uint64_t handle, uint32_t state, uint32_t status,
                   uint32_t fdflags);

#endif

/*
 * AF_UNIX names (docs/unix-sockets.md): bind (socket files and abstract names), listen
 * and its backlog of connections made in advance, connect and accept, datagram
 * destinations, getsockname and getpeername. The design is in unix.c's head.
 */
#include <string.h>
#include "unix.h"

static uint64_t next_conn_key = 1; /* keys of the connections this process makes */

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
    struct usock *s = unix_fd_usock(fd);
    struct name n;
    int rc = unix_get_name(uaddr, len, &n);
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
        rc = (int)unix_area_get(true, dev, ino, &a);
    uint32_t none = 0;
    if (!rc && !n.path[0] &&
        !__atomic_compare_exchange_n(&a->h->bound, &none, 1, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
        rc = -EADDRINUSE; /* bound counts the processes holding the name */
    if (rc) {
        unix_area_put(a);
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
        unix_count(a, 0, (int32_t)s->ndesc);
    }
    return 0;
}

/* A connection made in advance for slot i of s's listener: 0 or -errno. */
static long premake(struct usock *s, unsigned i)
{
    struct area *a;
    uint64_t key = next_conn_key++;
    long rc = unix_area_get(true, KEY_CONN | rt_pid(), key, &a);
    if (rc)
        return rc;
    struct unix_hdr *h = a->h;
    h->type = s->type;
    unix_set_cred(h, 0);
    h->namelen[0] = s->name.len;
    memcpy(h->name[0], s->name.path, s->name.len);
    unix_area_put(s->pre[i]);
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
    struct usock *s = unix_fd_usock(fd);
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
        unix_count(s->lst, 0, (int32_t)s->ndesc);
    }
    unix_wake(s->lst);
    return 0;
}

/* Whether listener l has a free slot (or nobody listens: connect says so). */
static bool slot_free(struct usock *s, struct area *l)
{
    (void)s;
    struct unix_hdr *h = l->h;
    if (unix_counted(l, 0) <= 0)
        return true; /* nobody listens: connect says so */
    for (unsigned i = 0; i < UNIX_BACKLOG; i++)
        if (__atomic_load_n(&h->slot[i].state, __ATOMIC_ACQUIRE) == SLOT_FREE)
            return true;
    return false;
}

static bool slot_waiting(struct usock *s, struct area *l)
{
    (void)l;
    return (unix_upoll(s) & POLLIN) != 0;
}

/* The receiver of a datagram to name n, held: 0 or -errno. */
long unix_dest_get(const struct name *n, struct area **out)
{
    uint64_t dev, ino;
    long rc = name_key(n, &dev, &ino);
    if (!rc)
        rc = unix_area_get(true, dev, ino, out);
    if (rc)
        return rc;
    struct area *a = *out;
    uint32_t type = __atomic_load_n(&a->h->type, __ATOMIC_ACQUIRE);
    rc = type && type != SOCK_DGRAM ? -EPROTOTYPE : unix_counted(a, 0) <= 0 ? -ECONNREFUSED : 0;
    if (rc)
        unix_area_put(a);
    return rc;
}

/* connect of a datagram socket: sends without an address go to n from now on. */
static long dgram_connect(struct usock *s, const struct name *n)
{
    if (s->conn)
        return -EISCONN; /* a pair's */
    struct area *a;
    long rc = unix_dest_get(n, &a);
    if (rc)
        return rc;
    unix_area_put(s->dest);
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
    struct usock *s = unix_fd_usock(fd);
    struct name n;
    int rc = unix_get_name(uaddr, len, &n);
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
    long r = unix_area_get(true, dev, ino, &l);
    if (r)
        return r;
    unsigned i = 0;
    for (;;) {
        struct unix_hdr *h = l->h;
        uint32_t type = __atomic_load_n(&h->type, __ATOMIC_ACQUIRE);
        if (unix_counted(l, 0) <= 0 || (type && type != s->type)) {
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
        if (rt_file_status(f) & O_NONBLOCK) {
            r = -EAGAIN;
            goto fail;
        }
        int w = unix_wait_on(l, fd, s, slot_free);
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
    r = unix_area_get(true, cdev, cino, &c);
    if (r) {
        __atomic_store_n(&h->slot[i].state, SLOT_FREE, __ATOMIC_RELEASE);
        goto fail;
    }
    unix_set_cred(c->h, 1);
    c->h->namelen[1] = s->bound ? s->name.len : 0;
    memcpy(c->h->name[1], s->name.path, s->bound ? s->name.len : 0);
    s->conn = c;
    s->side = 1;
    s->target = l;
    unix_count(c, 1, (int32_t)s->ndesc);
    __atomic_store_n(&h->slot[i].order, __atomic_add_fetch(&h->order, 1, __ATOMIC_ACQ_REL),
                     __ATOMIC_RELEASE);
    __atomic_store_n(&h->slot[i].state, SLOT_WAITING, __ATOMIC_RELEASE);
    unix_wake(l);
    return 0;
fail:
    unix_area_put(l);
    return r;
}

long rt_unix_accept4(int fd, uint64_t uaddr, uint64_t ulen, int flags)
{
    struct usock *s = unix_fd_usock(fd);
    if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
        return -EINVAL;
    if (!s->listening)
        return -EINVAL;
    if (uaddr && !rt_user_write(ulen, 4))
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
        if (rt_file_status(vfs_fd_file(rt_vfs, fd)) & O_NONBLOCK)
            return -EAGAIN;
        int w = unix_wait_on(s->lst, fd, s, slot_waiting);
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
        rc = unix_area_get(true, dev, ino, &c);
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
    rc = unix_usock_new(s->type, &n);
    if (rc) {
        unix_area_put(c);
        return rc;
    }
    n->conn = c;
    n->side = 0;
    n->name = s->name;
    long nfd = unix_usock_install(n, (uint32_t)flags);
    if (nfd < 0)
        return nfd;
    __atomic_store_n(&c->h->accepted, 1, __ATOMIC_RELEASE);
    unix_wake(c);
    struct name peer;
    unix_peer_name(n, &peer);
    if (uaddr && unix_put_name(uaddr, ulen, &peer) == -EFAULT) {
        vfs_close(rt_vfs, (int)nfd); /* as Linux: the connection is taken, and closed */
        return -EFAULT;
    }
    return nfd;
}

long rt_unix_sockname(int fd, uint64_t uaddr, uint64_t ulen, bool peer)
{
    struct usock *s = unix_fd_usock(fd);
    if (!rt_user_write(ulen, 4))
        return -EFAULT;
    struct name n = {0};
    if (peer) {
        if (!s->conn && !s->dest)
            return -ENOTCONN;
        if (s->conn)
            unix_peer_name(s, &n);
        else
            n = s->dest_name;
    } else if (s->bound) {
        n = s->name;
    }
    return unix_put_name(uaddr, ulen, &n);
}

/* ---- addresses: struct sockaddr_un in and out ---- */

/* A program's struct sockaddr_un: 0 and the name (len 0: only the family), or -errno. */
int unix_get_name(uint64_t uaddr, uint64_t len, struct name *n)
{
    if (len < 2 || len > 2 + NAME_MAX_UNIX)
        return -EINVAL;
    if (!rt_user_read(uaddr, len))
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
    if (rt_user_write(ulen, 4))
        memcpy((void *)ulen, &zero, 4);
}

/*
 * Descriptors passed over AF_UNIX connections (SCM_RIGHTS; docs/unix-sockets.md,
 * "Passing descriptors"). sendmsg reads the control data; each descriptor (a pipe end,
 * a FIFO open for one side, a connected or listening AF_UNIX socket) gets a ticket from the
 * launcher (RT_LABEL_PASS, posix-spawn/passing.c), which keeps its object while the message is on
 * its way, and its description's share of the open-end counts stays counted (in the totals only: no
 * process's share) until it is received or given back. The tickets go in the header beside the data
 * (unix.c, struct unix_ctl); recvmsg trades each for the object, maps it and opens a new
 * description of the same end with the sender's status flags, then takes the in-flight count out.
 * What the receiver has no room for, or a receive that is no recvmsg, gives the tickets back (the
 * launcher takes the counts out).
 *
 * A file of a File_system session (the fs plugin's, with a handle) travels as the server's
 * handle and node, with one more reference on each: the receiver, which must hold the same
 * session, makes a description of that handle, so both hold one open file description (the
 * server's offset and status flags), as on Linux.
 */
#include <string.h>
#include <vfs_plugins.h>
#include "fdkinds.h"
#include "socket.h"
#include "unix.h"

/* The stateless devices passed by kind alone: the receiver opens its own (PASS_DEV). */
static const char *const devices[] = {"", "null", "zero", "full", "random", "urandom"};
#define NDEVICES (sizeof(devices) / sizeof(devices[0]))

#define CMSG_HDR 16u /* struct cmsghdr: u64 len, i32 level, i32 type */
#define CMSG_ALIGN8(n) (((n) + 7u) & ~(uint64_t)7u)

void unix_rights_drop(struct unix_rights *r)
{
    for (uint32_t i = 0; i < r->n && i < UNIX_SCM_MAX; i++)
        if (r->ticket[i] && !(r->ticket[i] & PASS_NO_TICKET)) /* devices, terminals: none */
            cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_PASS, 2, 0), RT_PASS_DROP, r->ticket[i], 0, 0);
    r->n = 0;
}

/* RT_PASS_PUT_HANDLE: a ticket (> 0) for handle and node of session sid, or -errno. */
static long put_handle(uint64_t sid, uint64_t handle, uint64_t node)
{
    struct cx_ret r = cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_PASS, 4, 0), RT_PASS_PUT_HANDLE, sid,
                                      handle, node);
    long t = r.err ? -ENOMEM : (long)r.rdx;
    return t > 0 ? t : t < 0 ? t : -ENOMEM;
}

/* RT_PASS_TAKE: the session id (> 0) of ticket, its handle and node in *handle and
 * *node, or -errno (not ours to take, EPERM: the caller gives the ticket back). */
static long take_ticket(uint64_t ticket, uint64_t *handle, uint64_t *node)
{
    struct cx_ret r =
        cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_PASS, 4, 0), RT_PASS_TAKE, ticket, 0, 0);
    long sid = r.err ? -EIO : (long)r.rdx;
    *handle = r.r10, *node = r.r8;
    return sid > 0 ? sid : sid < 0 ? sid : -EIO;
}

/* A ticket for an fs description f (one more reference on its handle and node): 0 or
 * -errno; -EOPNOTSUPP for descriptions of other kinds. */
static long pass_file(struct vfs_file *f, uint64_t *ticket, uint32_t *info)
{
    const void *ctx;
    uint64_t handle, node;
    long rc = vfs_fs_file_pass(f, &ctx, &handle, &node);
    if (rc)
        return rc;
    long t = put_handle(rt_session_id_of(ctx), handle, node);
    if (t < 0) {
        vfs_fs_file_unpass(f, handle, node);
        return t;
    }
    *ticket = (uint64_t)t;
    *info = PASS_INFO(PASS_FS, f->flags & O_ACCMODE, 0, (rt_file_status(f) & O_NONBLOCK) != 0);
    return 0;
}

/* The receiver's side of a file's ticket: a descriptor, or -errno (the references
 * given back; a ticket the launcher refused stays for the caller to give back). */
static long adopt_file(uint64_t ticket, uint32_t accmode, uint32_t status, uint32_t fdflags)
{
    uint64_t handle, node;
    long sid = take_ticket(ticket, &handle, &node);
    if (sid < 0)
        return sid;
    const void *ctx = rt_session_of_id((uint64_t)sid);
    struct vfs_file *f = NULL;
    long rc = ctx ? vfs_fs_file_receive(rt_vfs, ctx, handle, node, accmode | status, &f) : -ENOENT;
    if (rc == -ENOENT) /* no mount of the session here: the references go back */
        rt_session_fs_drop(ctx, handle, node);
    long fd = rc ? rc : vfs_install_fd(rt_vfs, f, 0, (fdflags & O_CLOEXEC) != 0);
    if (fd < 0 && f)
        vfs_file_put(f);
    return fd;
}

/* The index in devices of f's device, or 0. */
static unsigned device_of(const struct vfs_file *f)
{
    const struct vfs_plugin *p = f->node->fs->plugin;
    for (unsigned i = 1; p && !(f->flags & O_PATH) && i < NDEVICES; i++)
        if (!strcmp(p->name, devices[i]))
            return i;
    return 0;
}

/* The receiver's side of a device: a new description of its own mount of the same device
 * (the first one), or -ENODEV when it mounts none. */
static long adopt_device(unsigned dev, uint32_t flags, uint32_t fdflags)
{
    struct vfs_fs *fs = NULL;
    struct vfs_file *f = NULL;
    if (dev == 0 || dev >= NDEVICES)
        return -EIO;
    while ((fs = vfs_fs_next(rt_vfs, fs)) &&
           !(fs->plugin && !strcmp(fs->plugin->name, devices[dev])))
        ;
    long rc = fs ? vfs_file_open_node(fs->root, flags, &f) : -ENODEV;
    long fd = rc ? rc : vfs_install_fd(rt_vfs, f, 0, (fdflags & O_CLOEXEC) != 0);
    if (fd < 0 && f)
        vfs_file_put(f);
    return fd;
}

/* What stands for a terminal's label in the ticket word (FNV-1a, and PASS_NO_TICKET:
 * the launcher's tickets never have it; forged, it only picks one of the receiver's own
 * terminal mounts). */
static uint64_t label_word(const char *label)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (const char *c = label ? label : ""; *c; c++)
        h = (h ^ (uint8_t)*c) * 0x100000001b3ull;
    return h | PASS_NO_TICKET;
}

/* The receiver's side of a terminal: a new description of its own mount of the terminal
 * of the same label (O_NOCTTY: a received terminal never becomes the controlling one,
 * as on Linux), or -ENODEV when it mounts none. */
static long adopt_terminal(uint64_t word, unsigned slot, uint32_t flags, uint32_t fdflags)
{
    struct vfs_fs *fs = NULL;
    struct vfs_file *f = NULL;
    while ((fs = vfs_fs_next(rt_vfs, fs)) &&
           !(fs->plugin == &vfs_plugin_terminal && label_word(fs->label) == word))
        ;
    rt_tty_adopt(fs ? slot : 0); /* the same description's status flags (terminal.c) */
    long rc = fs ? vfs_file_open_node(fs->root, flags | O_NOCTTY, &f) : -ENODEV;
    rt_tty_adopt(0);
    long fd = rc ? rc : vfs_install_fd(rt_vfs, f, 0, (fdflags & O_CLOEXEC) != 0);
    if (fd < 0 && f)
        vfs_file_put(f);
    return fd;
}

/* A ticket for an eventfd's, timerfd's or signalfd's page: 0, or -EOPNOTSUPP for other
 * descriptions. */
static long pass_efd(struct vfs_file *f, uint64_t *ticket, uint32_t *info)
{
    uint64_t id;
    uint32_t sub;
    long rc = rt_kobj_pass(f, &id, &sub);
    if (rc)
        return rc;
    struct cx_ret r = cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_PASS, 3, 0), RT_PASS_PUT, id, 0, 0);
    long t = r.err ? -ENOMEM : (long)r.rdx;
    if (t <= 0)
        return t < 0 ? t : -ENOMEM;
    *ticket = (uint64_t)t;
    *info = PASS_INFO(PASS_EFD, sub, 0, (rt_file_status(f) & O_NONBLOCK) != 0);
    return 0;
}

/* A ticket for an AF_INET socket (its Net session's handle, one more reference): 0, or
 * -EOPNOTSUPP for other descriptions. */
static long pass_inet(struct vfs_file *f, uint64_t *ticket, uint32_t *info)
{
    uint64_t sid, handle;
    uint32_t state;
    long rc = rt_sock_pass(f, &sid, &handle, &state);
    if (rc)
        return rc;
    long t = put_handle(sid, handle, 0);
    if (t < 0) {
        rt_sock_unpass(handle);
        return t;
    }
    *ticket = (uint64_t)t;
    *info = PASS_INFO(PASS_INET, 0, state, (rt_file_status(f) & O_NONBLOCK) != 0);
    return 0;
}

/* The receiver's side of a socket's ticket: a descriptor or -errno. */
static long adopt_inet(uint64_t ticket, uint32_t state, uint32_t status, uint32_t fdflags)
{
    uint64_t handle, node;
    long sid = take_ticket(ticket, &handle, &node);
    if (sid < 0)
        return sid;
    return rt_sock_adopt((uint64_t)sid, handle, state, status, fdflags);
}

/* A ticket for the description of fd, its counts kept in flight: 0 or -errno. */
static long pass_one(int fd, uint64_t *ticket, uint32_t *info)
{
    struct vfs_file *f = vfs_fd_file(rt_vfs, fd);
    if (!f)
        return -EBADF;
    long rc = pass_file(f, ticket, info); /* a file or directory of a server */
    if (rc != -EOPNOTSUPP)
        return rc;
    if (rt_fdkind(f) == FDK_EVENTFD || rt_fdkind(f) == FDK_TIMERFD || rt_fdkind(f) == FDK_SIGNALFD)
        return pass_efd(f, ticket, info);
    if (sock_of(f))
        return pass_inet(f, ticket, info);
    if (f->node->fs->plugin == &vfs_plugin_terminal && !(f->flags & O_PATH)) {
        /* the description's status slot travels in the info, the message holding one */
        uint32_t nonblock = (rt_file_status(f) & O_NONBLOCK) != 0;
        *ticket = label_word(f->node->fs->label);
        *info = PASS_INFO(PASS_TTY, f->flags & O_ACCMODE, rt_tty_pass(f, 1), nonblock);
        return 0;
    }
    unsigned dev = device_of(f);
    if (dev) {
        *ticket = 0;
        *info =
            PASS_INFO(PASS_DEV, f->flags & O_ACCMODE, dev, (rt_file_status(f) & O_NONBLOCK) != 0);
        return 0;
    }
    uint64_t id;
    unsigned counts, slot = 0;
    uint32_t sub;
    struct usock *s = unix_fd_usock(fd);
    rc = s ? unix_pass(s, &id, &counts, 1) : rt_pipe_pass(f, &id, &counts, &sub, &slot, 1);
    if (rc) {
        static bool said;
        if (!said) {
            said = true;
            rt_log("[runtime] SCM_RIGHTS: only pipe ends, FIFOs open for one side, "
                   "connected, listening or bound datagram AF_UNIX sockets, files of "
                   "File_system sessions, AF_INET sockets, eventfds, timerfds, signalfds, "
                   "terminals and the "
                   "stateless devices are passed; "
                   "others: EOPNOTSUPP\n");
        }
        return rc;
    }
    bool nonblock = (rt_file_status(f) & O_NONBLOCK) != 0;
    /* a socket's sub: its side of a connection, 2 listening, 3 a bound datagram socket */
    uint32_t how = s && s->conn ? (uint32_t)s->side : s && s->listening ? 2u : 3u;
    *info = s ? PASS_INFO(PASS_UNIX, how, s->type, nonblock)
              : PASS_INFO(PASS_PIPE, sub, slot, nonblock);
    struct cx_ret r =
        cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_PASS, 3, 0), RT_PASS_PUT, id, counts, 0);
    long t = r.err ? -ENOMEM : (long)r.rdx;
    if (t <= 0) { /* not in flight after all */
        if (s)
            unix_pass(s, &id, &counts, -1);
        else
            rt_pipe_pass(f, &id, &counts, &sub, &slot, -1);
        return t < 0 ? t : -ENOMEM;
    }
    *ticket = (uint64_t)t;
    return 0;
}

/* SCM_CREDENTIALS as Linux checks it: the sender's own pid, uid and gid (a receiver
 * would see them only with SO_PASSCRED, which no socket here has: not carried). */
static long check_creds(const uint8_t *data, uint64_t len)
{
    int32_t c[3];
    if (len != CMSG_HDR + sizeof(c))
        return -EINVAL;
    memcpy(c, data, sizeof(c));
    if ((uint64_t)(int64_t)c[0] != rt_pid() || (uint32_t)c[1] != rt_uid || (uint32_t)c[2] != rt_gid)
        return -EPERM;
    return 0;
}

long unix_rights_get(const struct l_msghdr *m, struct unix_rights *r)
{
    r->n = 0;
    if (m->controllen > 0x7fffffffu)
        return -ENOBUFS;
    if (m->controllen < CMSG_HDR)
        return 0;
    if (!rt_user_read(m->control, m->controllen))
        return -EFAULT;
    const uint8_t *base = (const uint8_t *)m->control;
    long rc = 0;
    for (uint64_t at = 0; rc == 0 && m->controllen - at >= CMSG_HDR;) {
        uint64_t len;
        int32_t level, type;
        memcpy(&len, base + at, 8);
        memcpy(&level, base + at + 8, 4);
        memcpy(&type, base + at + 12, 4);
        if (len < CMSG_HDR || len > m->controllen - at) {
            rc = -EINVAL;
            break;
        }
        if (level == SOL_SOCKET && type == SCM_RIGHTS) {
            uint64_t nfds = (len - CMSG_HDR) / 4;
            if (nfds > 253) /* Linux's SCM_MAX_FD */
                rc = -EINVAL;
            else if (r->n + nfds > UNIX_SCM_MAX)
                rc = -ETOOMANYREFS; /* more than this runtime carries in one message */
            for (uint64_t i = 0; i < nfds && !rc; i++) {
                int32_t fd;
                memcpy(&fd, base + at + CMSG_HDR + 4 * i, 4);
                rc = pass_one(fd, &r->ticket[r->n], &r->info[r->n]);
                if (!rc)
                    r->n++;
            }
        } else if (level == SOL_SOCKET && type == SCM_CREDENTIALS) {
            rc = check_creds(base + at + CMSG_HDR, len);
        } else if (level == SOL_SOCKET) {
            rc = -EINVAL;
        }
        uint64_t step = CMSG_ALIGN8(len);
        if (step > m->controllen - at)
            break;
        at += step;
    }
    if (rc)
        unix_rights_drop(r);
    return rc;
}

uint64_t unix_rights_deliver(struct unix_rights *r, const struct l_msghdr *m, int flags,
                             int32_t *out_flags)
{
    if (!r->n)
        return 0;
    /* as Linux's scm_detach_fds: as many as the buffer holds after one header */
    uint64_t room = m->controllen > CMSG_HDR ? (m->controllen - CMSG_HDR) / 4 : 0;
    if (room && !rt_user_write(m->control, m->controllen))
        room = 0;
    uint32_t got = 0, i = 0;
    int32_t fds[UNIX_SCM_MAX];
    for (; i < r->n && got < room; i++) {
        uint32_t info = r->info[i], fdflags = (flags & MSG_CMSG_CLOEXEC) ? O_CLOEXEC : 0;
        uint32_t status = PASS_NONBLOCK(info) ? O_NONBLOCK : 0;
        long fd = -EIO;
        if (PASS_KIND(info) == PASS_PIPE)
            fd = rt_pipe_adopt(r->ticket[i], PASS_SUB(info), PASS_TYPE(info), status, fdflags);
        else if (PASS_KIND(info) == PASS_UNIX && PASS_SUB(info) <= 3)
            fd = unix_adopt(r->ticket[i], (int)PASS_SUB(info), status, fdflags);
        else if (PASS_KIND(info) == PASS_FS && PASS_SUB(info) <= O_RDWR)
            fd = adopt_file(r->ticket[i], PASS_SUB(info), status, fdflags);
        else if (PASS_KIND(info) == PASS_EFD)
            fd = rt_kobj_adopt(r->ticket[i], PASS_SUB(info), status, fdflags);
        else if (PASS_KIND(info) == PASS_DEV && PASS_SUB(info) <= O_RDWR)
            fd = adopt_device(PASS_TYPE(info), PASS_SUB(info) | status, fdflags);
        else if (PASS_KIND(info) == PASS_INET)
            fd = adopt_inet(r->ticket[i], PASS_TYPE(info), status, fdflags);
        else if (PASS_KIND(info) == PASS_TTY && PASS_SUB(info) <= O_RDWR)
            fd = adopt_terminal(r->ticket[i], PASS_TYPE(info), PASS_SUB(info) | status, fdflags);
        else
            cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_PASS, 2, 0), RT_PASS_DROP, r->ticket[i], 0, 0);
        if (fd < 0)
            break; /* its ticket is given back below (if the launcher still has it) */
        fds[got++] = (int32_t)fd;
    }
    if (i < r->n)
        *out_flags |= MSG_CTRUNC;
    /* the rest are closed (their tickets given back) */
    struct unix_rights rest = {0};
    for (uint32_t k = i; k < r->n; k++)
        rest.ticket[rest.n++] = r->ticket[k];
    unix_rights_drop(&rest);
    r->n = 0;
    if (!got)
        return 0;
    uint8_t *out = (uint8_t *)m->control;
    uint64_t len = CMSG_HDR + 4ull * got, space = CMSG_ALIGN8(len);
    int32_t level = SOL_SOCKET, type = SCM_RIGHTS;
    memcpy(out, &len, 8);
    memcpy(out + 8, &level, 4);
    memcpy(out + 12, &type, 4);
    memcpy(out + CMSG_HDR, fds, 4ull * got);
    return space < m->controllen ? space : m->controllen;
}

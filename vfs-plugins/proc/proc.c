/*
 * proc: the /proc view of the process (README.md), a read-only tree plugin; this file
 * is its name space (lookup, readdir, links, attributes), its open files and its
 * mount; the files' contents are made in proc_text.c (proc.h is what the two share).
 *
 *   /proc/self            -> "PID" (a symlink, as on Linux)
 *   /proc/PID/            the process's own directory (no other pid is shown)
 *        cmdline          argv, NUL-separated
 *        environ          the environment exec gave, NUL-separated (own process only)
 *        maps             the address space, Linux's format (own process only)
 *        cwd              magic link to the working directory
 *        exe              link to the program's path (followed as its text)
 *        fd/N             one magic link per open descriptor, to its file
 *        mountinfo mounts the mount table (vfs_mount_get) in Linux's two formats
 *        root             link to "/"
 *   /proc/cpuinfo meminfo uptime   from vfs_env.process
 *   /proc/mounts          -> "self/mounts"
 *
 * Nodes are made by lookup and freed when the core drops its last reference (only the
 * root lives as long as the instance); a node's identity is (kind, pid, fd), and its
 * inode number is computed from that, so the same name always has the same number.
 * The pid is asked from the host each time (it changes across fork). Directory
 * positions are fixed per name, fd + 2 in fd/, so they stay valid while descriptors
 * come and go. A file's contents are made when it is opened (proc_generate), into a
 * buffer owned by the description and freed at its close.
 */
#include <capix/config.h>
#include <string.h>
#include <vfs/fd_table.h>
#include <vfs/plugin.h>
#include <vfs_plugins.h>
#include "proc.h"

struct proc_entry {
    const char *name;
    enum proc_kind kind;
};

/* /proc's fixed entries after "self" (position 2), then the pids (from PID_POS). */
static const struct proc_entry root_entries[] = {
    {"cpuinfo", PROC_CPUINFO}, {"filesystems", PROC_FILESYSTEMS}, {"loadavg", PROC_LOADAVG},
    {"meminfo", PROC_MEMINFO}, {"mounts", PROC_MOUNTS_LINK},      {"stat", PROC_STAT_ALL},
    {"sys", PROC_SYS},         {"uptime", PROC_UPTIME},
};
#define ROOT_FIRST_FILE 3
#define PID_POS 1024 /* readdir position of pid P: PID_POS + P */

static const struct proc_entry sys_entries[] = {
    {"fs", PROC_SYS_FS},
    {"kernel", PROC_SYS_KERNEL},
};

/* /proc/sys/fs: what the pipe plugin allows F_SETPIPE_SZ. */
static const struct proc_entry fs_entries[] = {
    {"pipe-max-size", PROC_PIPE_MAX_SIZE},
};

/* /proc/sys/kernel: uname's answers (libc/syscall.c) and the launcher's pid bound. */
static const struct proc_entry kernel_entries[] = {
    {"hostname", PROC_HOSTNAME},
    {"osrelease", PROC_OSRELEASE},
    {"ostype", PROC_OSTYPE},
    {"pid_max", PROC_PID_MAX},
};

static const struct proc_entry pid_entries[] = {
    {"cmdline", PROC_CMDLINE}, {"comm", PROC_COMM},
    {"cwd", PROC_CWD},         {"environ", PROC_ENVIRON},
    {"exe", PROC_EXE},         {"fd", PROC_FD},
    {"maps", PROC_MAPS},       {"mountinfo", PROC_MOUNTINFO},
    {"mounts", PROC_MOUNTS},   {"root", PROC_ROOT_LINK},
    {"stat", PROC_STAT},       {"status", PROC_STATUS},
};

/* The type and permission bits of each kind (fd links: see proc_getattr). */
static const uint32_t kind_mode[PROC_NKINDS] = {
    [PROC_ROOT] = S_IFDIR | 0555,
    [PROC_SELF] = S_IFLNK | 0777,
    [PROC_CPUINFO] = S_IFREG | 0444,
    [PROC_MEMINFO] = S_IFREG | 0444,
    [PROC_MOUNTS_LINK] = S_IFLNK | 0777,
    [PROC_UPTIME] = S_IFREG | 0444,
    [PROC_PID] = S_IFDIR | 0555,
    [PROC_CMDLINE] = S_IFREG | 0444,
    [PROC_CWD] = S_IFLNK | 0777,
    [PROC_EXE] = S_IFLNK | 0777,
    [PROC_FD] = S_IFDIR | 0500,
    [PROC_MOUNTINFO] = S_IFREG | 0444,
    [PROC_MOUNTS] = S_IFREG | 0444,
    [PROC_ROOT_LINK] = S_IFLNK | 0777,
    [PROC_FD_LINK] = S_IFLNK | 0700,
    [PROC_LOADAVG] = S_IFREG | 0444,
    [PROC_STAT_ALL] = S_IFREG | 0444,
    [PROC_FILESYSTEMS] = S_IFREG | 0444,
    [PROC_SYS] = S_IFDIR | 0555,
    [PROC_SYS_KERNEL] = S_IFDIR | 0555,
    [PROC_PID_MAX] = S_IFREG | 0644,
    [PROC_HOSTNAME] = S_IFREG | 0644,
    [PROC_OSTYPE] = S_IFREG | 0444,
    [PROC_OSRELEASE] = S_IFREG | 0444,
    [PROC_COMM] = S_IFREG | 0644,
    [PROC_STAT] = S_IFREG | 0444,
    [PROC_STATUS] = S_IFREG | 0444,
    [PROC_ENVIRON] = S_IFREG | 0400,
    [PROC_MAPS] = S_IFREG | 0444,
    [PROC_SYS_FS] = S_IFDIR | 0555,
    [PROC_PIPE_MAX_SIZE] = S_IFREG | 0644,
};

static struct proc_fs *pfs_of(struct vfs_fs *fs)
{
    return (struct proc_fs *)(void *)fs;
}

static struct proc_node *pnode_of(struct vfs_node *n)
{
    return (struct proc_node *)(void *)n;
}

static uint64_t kind_ino(enum proc_kind kind, int32_t pid, int fd)
{
    uint64_t base = (1ull << 56) | ((uint64_t)(uint32_t)pid << 17);
    if (kind < PROC_PID)
        return 1 + (uint64_t)kind;
    if (kind == PROC_FD_LINK)
        return base | (1ull << 16) | (uint64_t)fd;
    return base | (uint64_t)kind;
}

/* Asks the host about the process into *p (allocated by the caller). */
int proc_info(const struct vfs_env *env, struct vfs_process *p)
{
    memset(p, 0, sizeof *p);
    return env->process(env->ctx, p);
}

static int current_pid(const struct vfs_env *env, int32_t *pid)
{
    struct vfs_process *p = vfs_zalloc(env, sizeof *p);
    int rc;
    if (!p)
        return -ENOMEM;
    rc = proc_info(env, p);
    *pid = p->pid;
    vfs_free(env, p, sizeof *p);
    return rc;
}

/* Whether pid is a process this one may see: its own, or one of its sandbox the host
 * names (vfs_env.peer). 0, -ENOENT or -errno. */
static int pid_exists(const struct vfs_env *env, int32_t pid)
{
    struct vfs_peer *peer;
    int32_t self;
    int rc = current_pid(env, &self);
    if (rc < 0 || pid == self)
        return rc;
    if (!env->peer)
        return -ENOENT;
    peer = vfs_zalloc(env, sizeof *peer);
    if (!peer)
        return -ENOMEM;
    rc = env->peer(env->ctx, pid, peer);
    vfs_free(env, peer, sizeof *peer);
    return rc == -ESRCH ? -ENOENT : rc;
}

/* Whether the pid node n names the calling process: 1, 0, or -errno. Another process's
 * descriptors, links and mount table are not known here (-EACCES for them). */
int proc_is_self(const struct vfs_env *env, const struct proc_node *n)
{
    int32_t self;
    int rc = current_pid(env, &self);
    return rc < 0 ? rc : n->pid == self;
}

/* Parses a decimal number without sign or leading zeros (as Linux's proc does);
 * returns it or -1. */
static int64_t parse_num(const char *name, size_t len)
{
    int64_t v = 0;
    size_t i;
    if (len == 0 || len > 10 || (name[0] == '0' && len > 1))
        return -1;
    for (i = 0; i < len; i++) {
        if (name[i] < '0' || name[i] > '9')
            return -1;
        v = v * 10 + (name[i] - '0');
    }
    return v;
}

/* Writes v in decimal into buf (at least 21 bytes); returns the length. */
size_t proc_fmt_u64(char *buf, uint64_t v)
{
    char tmp[21];
    size_t n = 0, i;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return n;
}

static struct proc_node *node_new(struct proc_fs *p, enum proc_kind kind, int32_t pid, int fd)
{
    struct proc_node *n = vfs_zalloc(p->fs.env, sizeof *n);
    if (!n)
        return NULL;
    n->vn.fs = &p->fs;
    n->vn.ino = kind_ino(kind, pid, fd);
    n->vn.type = kind_mode[kind] & S_IFMT;
    n->vn.refs = 1;
    n->kind = kind;
    n->pid = pid;
    n->fd = fd;
    return n;
}

static int give(struct proc_fs *p, enum proc_kind kind, int32_t pid, int fd, struct vfs_node **out)
{
    struct proc_node *n = node_new(p, kind, pid, fd);
    if (!n)
        return -ENOMEM;
    *out = &n->vn;
    return 0;
}

static int find_entry(struct proc_fs *p, const struct proc_entry *e, size_t count, int32_t pid,
                      const char *name, size_t len, struct vfs_node **out)
{
    size_t i;
    for (i = 0; i < count; i++)
        if (strlen(e[i].name) == len && memcmp(e[i].name, name, len) == 0)
            return give(p, e[i].kind, pid, 0, out);
    return -ENOENT;
}

static void proc_release(struct vfs_node *nn)
{
    struct proc_fs *p = pfs_of(nn->fs);
    if (pnode_of(nn) != &p->root)
        vfs_free(p->fs.env, nn, sizeof(struct proc_node));
}

/* The descriptor table this instance shows. */
static struct vfs_fd_table *fds_of(struct proc_fs *p)
{
    return vfs_fd_table(p->fs.vfs);
}

/* ---- namespace ---- */

static int proc_lookup(struct vfs_node *dn, const char *name, size_t len, struct vfs_node **out)
{
    struct proc_fs *p = pfs_of(dn->fs);
    struct proc_node *d = pnode_of(dn);
    bool dotdot = len == 2 && name[0] == '.' && name[1] == '.';
    int64_t num;
    int rc;
    switch (d->kind) {
    case PROC_ROOT:
        if (dotdot) {
            vfs_node_get(dn);
            *out = dn;
            return 0;
        }
        if (len == 4 && memcmp(name, "self", 4) == 0)
            return give(p, PROC_SELF, 0, 0, out);
        rc = find_entry(p, root_entries, NENTRIES(root_entries), 0, name, len, out);
        if (rc != -ENOENT)
            return rc;
        num = parse_num(name, len);
        if (num <= 0 || num > INT32_MAX)
            return -ENOENT;
        rc = pid_exists(p->fs.env, (int32_t)num);
        if (rc < 0)
            return rc;
        return give(p, PROC_PID, (int32_t)num, 0, out);
    case PROC_SYS:
    case PROC_SYS_KERNEL:
    case PROC_SYS_FS:
        if (dotdot && d->kind == PROC_SYS) {
            vfs_node_get(&p->root.vn);
            *out = &p->root.vn;
            return 0;
        }
        if (dotdot)
            return give(p, PROC_SYS, 0, 0, out);
        if (d->kind == PROC_SYS)
            return find_entry(p, sys_entries, NENTRIES(sys_entries), 0, name, len, out);
        if (d->kind == PROC_SYS_FS)
            return find_entry(p, fs_entries, NENTRIES(fs_entries), 0, name, len, out);
        return find_entry(p, kernel_entries, NENTRIES(kernel_entries), 0, name, len, out);
    case PROC_PID:
        if (dotdot) {
            vfs_node_get(&p->root.vn);
            *out = &p->root.vn;
            return 0;
        }
        rc = pid_exists(p->fs.env, d->pid);
        if (rc < 0)
            return rc; /* a process that has gone */
        return find_entry(p, pid_entries, NENTRIES(pid_entries), d->pid, name, len, out);
    case PROC_FD:
        if (dotdot)
            return give(p, PROC_PID, d->pid, 0, out);
        rc = proc_is_self(p->fs.env, d);
        if (rc <= 0)
            return rc < 0 ? rc : -EACCES;
        num = parse_num(name, len);
        if (num < 0 || num > INT32_MAX || !vfs_fd_lookup(fds_of(p), (int)num))
            return -ENOENT;
        return give(p, PROC_FD_LINK, d->pid, (int)num, out);
    default:
        return -ENOTDIR;
    }
}

/* The smallest pid of the sandbox at or above from into *pid: 1, 0 (none), or -errno.
 * Without vfs_env.pids only the own pid is listed. */
int proc_next_pid(const struct vfs_env *env, int32_t from, int32_t *pid)
{
    int32_t self;
    int rc;
    if (!env->pids) {
        rc = current_pid(env, &self);
        if (rc < 0)
            return rc;
        *pid = self;
        return self >= from;
    }
    rc = env->pids(env->ctx, from - 1, pid, 1);
    return rc < 0 ? rc : rc > 0 && *pid >= from;
}

static int put_entry(struct vfs_dirent *out, uint64_t ino, uint32_t mode, const char *name,
                     uint64_t next)
{
    out->ino = ino;
    out->type = vfs_dtype(mode);
    out->name = name;
    out->len = strlen(name);
    out->next = next;
    return 1;
}

static int proc_readdir(struct vfs_node *dn, uint64_t pos, struct vfs_dirent *out)
{
    struct proc_fs *p = pfs_of(dn->fs);
    struct proc_node *d = pnode_of(dn);
    struct vfs_fd_table *t;
    const struct proc_entry *e;
    int32_t pid;
    uint64_t fd;
    int rc;
    switch (d->kind) {
    case PROC_ROOT:
        if (pos <= 2)
            return put_entry(out, kind_ino(PROC_SELF, 0, 0), S_IFLNK, "self", 3);
        if (pos < PID_POS && pos - ROOT_FIRST_FILE < NENTRIES(root_entries)) {
            e = &root_entries[pos - ROOT_FIRST_FILE];
            return put_entry(out, kind_ino(e->kind, 0, 0), kind_mode[e->kind], e->name, pos + 1);
        }
        if (pos < PID_POS)
            pos = PID_POS;
        rc = proc_next_pid(p->fs.env,
                           (int32_t)(pos - PID_POS > INT32_MAX ? INT32_MAX : pos - PID_POS), &pid);
        if (rc <= 0)
            return rc;
        proc_fmt_u64(p->name, (uint32_t)pid);
        return put_entry(out, kind_ino(PROC_PID, pid, 0), S_IFDIR, p->name,
                         PID_POS + (uint64_t)pid + 1);
    case PROC_SYS:
    case PROC_SYS_KERNEL:
    case PROC_SYS_FS:
        if (pos < 2)
            pos = 2;
        if (d->kind == PROC_SYS && pos - 2 < NENTRIES(sys_entries))
            e = &sys_entries[pos - 2];
        else if (d->kind == PROC_SYS_KERNEL && pos - 2 < NENTRIES(kernel_entries))
            e = &kernel_entries[pos - 2];
        else if (d->kind == PROC_SYS_FS && pos - 2 < NENTRIES(fs_entries))
            e = &fs_entries[pos - 2];
        else
            return 0;
        return put_entry(out, kind_ino(e->kind, 0, 0), kind_mode[e->kind], e->name, pos + 1);
    case PROC_PID:
        if (pos < 2)
            pos = 2;
        if (pos - 2 >= NENTRIES(pid_entries))
            return 0;
        e = &pid_entries[pos - 2];
        return put_entry(out, kind_ino(e->kind, d->pid, 0), kind_mode[e->kind], e->name, pos + 1);
    case PROC_FD:
        rc = proc_is_self(p->fs.env, d);
        if (rc <= 0)
            return rc < 0 ? rc : -EACCES;
        t = fds_of(p);
        for (fd = pos < 2 ? 0 : pos - 2; fd < t->capacity; fd++) {
            if (!vfs_fd_lookup(t, (int)fd))
                continue;
            proc_fmt_u64(p->name, fd);
            return put_entry(out, kind_ino(PROC_FD_LINK, d->pid, (int)fd), S_IFLNK, p->name,
                             fd + 3);
        }
        return 0;
    default:
        return -ENOTDIR;
    }
}

/* Copies text into buf as readlink does; returns its full length. */
static int64_t give_text(char *buf, size_t size, const char *text, size_t len)
{
    memcpy(buf, text, len < size ? len : size);
    return (int64_t)len;
}

/* The text of /proc/self/fd/N: the path of what fd names, or for files without one
 * (pipes, sockets, files made outside the tree or removed) "pipe:[INO]",
 * "socket:[INO]" or "anon_inode:[PLUGIN]", in Linux's manner. */
static int64_t fd_text(struct proc_fs *p, int fd, char *text, size_t size)
{
    struct vfs_file *f = vfs_fd_file(p->fs.vfs, fd);
    const char *prefix;
    size_t len, n;
    int64_t r;
    if (!f)
        return -ENOENT;
    r = vfs_fd_path(p->fs.vfs, fd, text, size);
    if (r != -ENOENT)
        return r;
    if (S_ISFIFO(f->node->type))
        prefix = "pipe:[";
    else if (S_ISSOCK(f->node->type))
        prefix = "socket:[";
    else
        prefix = "anon_inode:[";
    len = strlen(prefix);
    memcpy(text, prefix, len);
    if (S_ISFIFO(f->node->type) || S_ISSOCK(f->node->type)) {
        len += proc_fmt_u64(text + len, f->node->ino);
    } else {
        const char *name = f->node->fs->plugin ? f->node->fs->plugin->name : "dir";
        n = strlen(name);
        memcpy(text + len, name, n);
        len += n;
    }
    text[len++] = ']';
    text[len] = '\0';
    return (int64_t)len;
}

static int64_t proc_readlink(struct vfs_node *nn, char *buf, size_t size)
{
    struct proc_fs *p = pfs_of(nn->fs);
    struct proc_node *n = pnode_of(nn);
    const struct vfs_env *env = p->fs.env;
    struct vfs_process *info;
    char num[24], *text;
    int64_t r;
    int32_t pid;
    int rc;
    if (n->kind == PROC_EXE || n->kind == PROC_CWD || n->kind == PROC_ROOT_LINK ||
        n->kind == PROC_FD_LINK) {
        rc = proc_is_self(env, n);
        if (rc <= 0)
            return rc < 0 ? rc : -EACCES; /* another process's: not known here */
    }
    switch (n->kind) {
    case PROC_SELF:
        rc = current_pid(env, &pid);
        if (rc < 0)
            return rc;
        return give_text(buf, size, num, proc_fmt_u64(num, (uint32_t)pid));
    case PROC_MOUNTS_LINK:
        return give_text(buf, size, "self/mounts", 11);
    case PROC_ROOT_LINK:
        return give_text(buf, size, "/", 1);
    case PROC_EXE:
        info = vfs_zalloc(env, sizeof *info);
        if (!info)
            return -ENOMEM;
        rc = proc_info(env, info);
        info->exe[sizeof info->exe - 1] = '\0';
        r = rc < 0         ? rc
            : info->exe[0] ? give_text(buf, size, info->exe, strlen(info->exe))
                           : -ENOENT;
        vfs_free(env, info, sizeof *info);
        return r;
    case PROC_CWD:
    case PROC_FD_LINK:
        text = vfs_zalloc(env, PATH_MAX);
        if (!text)
            return -ENOMEM;
        if (n->kind == PROC_CWD) {
            r = vfs_getcwd(p->fs.vfs, text, PATH_MAX);
            if (r > 0)
                r--; /* vfs_getcwd counts the NUL */
        } else {
            r = fd_text(p, n->fd, text, PATH_MAX);
        }
        if (r >= 0)
            r = give_text(buf, size, text, (size_t)r);
        vfs_free(env, text, PATH_MAX);
        return r;
    default:
        return -EINVAL;
    }
}

static int proc_follow_link(struct vfs_node *nn, struct vfs_node **target)
{
    struct proc_fs *p = pfs_of(nn->fs);
    struct proc_node *n = pnode_of(nn);
    struct vfs_file *f;
    int rc;
    if (n->kind == PROC_EXE || n->kind == PROC_CWD || n->kind == PROC_ROOT_LINK ||
        n->kind == PROC_FD_LINK) {
        rc = proc_is_self(p->fs.env, n);
        if (rc <= 0)
            return rc < 0 ? rc : -EACCES;
    }
    switch (n->kind) {
    case PROC_CWD:
        *target = vfs_cwd_node(p->fs.vfs);
        vfs_node_get(*target);
        return 0;
    case PROC_FD_LINK:
        f = vfs_fd_file(p->fs.vfs, n->fd);
        if (!f)
            return -ENOENT;
        *target = f->node;
        vfs_node_get(*target);
        return 0;
    default:
        return VFS_FOLLOW_TEXT; /* self, mounts, exe, root: their text is the path */
    }
}

static int proc_getattr(struct vfs_node *nn, struct linux_stat *st)
{
    struct proc_fs *p = pfs_of(nn->fs);
    struct proc_node *n = pnode_of(nn);
    uint32_t mode = kind_mode[n->kind];
    if (n->kind == PROC_FD_LINK) {
        struct vfs_file *f = vfs_fd_file(p->fs.vfs, n->fd);
        uint32_t acc = f && !(f->flags & O_PATH) ? f->flags & O_ACCMODE : O_RDONLY;
        if (!f)
            return -ENOENT;
        mode = S_IFLNK | (acc == O_RDONLY ? 0500 : acc == O_WRONLY ? 0300 : 0700);
    }
    st->st_mode = mode;
    st->st_nlink = n->kind == PROC_ROOT || n->kind == PROC_PID ? 3 : S_ISDIR(mode) ? 2 : 1;
    if (n->kind >= PROC_PID)
        vfs_get_ids(p->fs.vfs, &st->st_uid, &st->st_gid);
    st->st_atim = st->st_mtim = st->st_ctim = p->mounted;
    return 0;
}

static int proc_statfs(struct vfs_fs *fs, struct linux_statfs *st)
{
    st->f_type = PROC_SUPER_MAGIC;
    return 0;
}

static void proc_unmount(struct vfs_fs *fs)
{
    vfs_free(fs->env, fs, sizeof(struct proc_fs));
}

static int proc_open(struct vfs_file *f)
{
    struct proc_fs *p = pfs_of(f->node->fs);
    const struct vfs_env *env = p->fs.env;
    struct proc_text *t;
    int rc;
    if (!S_ISREG(f->node->type))
        return 0;
    t = vfs_zalloc(env, sizeof *t);
    if (!t)
        return -ENOMEM;
    rc = proc_generate(p, pnode_of(f->node), t);
    if (rc == 0 && t->nomem)
        rc = -ENOMEM;
    if (rc < 0) {
        proc_text_free(env, t);
        return rc;
    }
    f->priv = t;
    return 0;
}

static void proc_close(struct vfs_file *f)
{
    if (f->priv)
        proc_text_free(f->node->fs->env, f->priv);
}

static int64_t proc_read(struct vfs_file *f, void *buf, size_t n, uint64_t off)
{
    struct proc_text *t = f->priv;
    if (!t || off >= t->len)
        return 0;
    if (n > t->len - off)
        n = (size_t)(t->len - off);
    memcpy(buf, t->data + off, n);
    return (int64_t)n;
}

static const struct vfs_fs_ops proc_ops = {
    .lookup = proc_lookup,
    .readdir = proc_readdir,
    .readlink = proc_readlink,
    .follow_link = proc_follow_link,
    .getattr = proc_getattr,
    .statfs = proc_statfs,
    .release = proc_release,
    .unmount = proc_unmount,
    .open = proc_open,
    .close = proc_close,
    .read = proc_read,
};

static int proc_mount(const struct vfs_mount_args *a, struct vfs_fs **out)
{
    struct proc_fs *p;
    int rc = vfs_cfg_check(a, 0, NULL, "proc");
    if (rc < 0)
        return rc;
    if (!a->env->process)
        return vfs_config_error(a->err, a->cfg, NULL,
                                "proc: the host tells nothing about the process "
                                "(vfs_env.process is not set)");
    p = vfs_zalloc(a->env, sizeof *p);
    if (!p)
        return -ENOMEM;
    p->fs.ops = &proc_ops;
    p->fs.env = a->env;
    p->fs.flags = VFS_FS_RDONLY;
    p->root.vn.fs = &p->fs;
    p->root.vn.ino = kind_ino(PROC_ROOT, 0, 0);
    p->root.vn.type = S_IFDIR;
    p->root.vn.refs = 1; /* the instance's own: freed by unmount */
    p->root.kind = PROC_ROOT;
    p->mounted = vfs_now(a->env);
    p->fs.root = &p->root.vn;
    *out = &p->fs;
    return 0;
}

const struct vfs_plugin vfs_plugin_proc = {
    .name = "proc",
    .kind = VFS_PLUGIN_TREE,
    .mount = proc_mount,
};

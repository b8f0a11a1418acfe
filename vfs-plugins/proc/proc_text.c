/*
 * proc: the contents of /proc's files (proc.c has the name space). Each is made whole
 * when the file is opened, into a struct proc_text the description owns: a snapshot,
 * as Linux's seq files give, so that reads at any offset see one consistent text.
 * Writing appends to it; an allocation that fails sets nomem and drops what follows,
 * and proc_open then fails with ENOMEM, so a truncated text is never shown. What the
 * host does not tell is written as Linux shows it for what it cannot know (0s).
 */
#include <string.h>
#include <vfs/plugin.h>
#include <vfs_plugins.h>
#include "proc.h"

static void put(struct proc_text *t, const struct vfs_env *env, const char *s, size_t n)
{
    if (t->nomem)
        return;
    if (t->len + n > t->cap) {
        size_t cap = t->cap ? t->cap : 512;
        char *d;
        while (cap < t->len + n)
            cap *= 2;
        d = vfs_zalloc(env, cap);
        if (!d) {
            t->nomem = true;
            return;
        }
        if (t->len)
            memcpy(d, t->data, t->len);
        vfs_free(env, t->data, t->cap);
        t->data = d;
        t->cap = cap;
    }
    memcpy(t->data + t->len, s, n);
    t->len += n;
}

static void put_str(struct proc_text *t, const struct vfs_env *env, const char *s)
{
    put(t, env, s, strlen(s));
}

/* A bounded text field of struct vfs_process (it may lack its NUL). */
static void put_field(struct proc_text *t, const struct vfs_env *env, const char *s, size_t max)
{
    const char *end = memchr(s, '\0', max);
    put(t, env, s, end ? (size_t)(end - s) : max);
}

/* v in decimal, right-aligned in width columns. */
static void put_num(struct proc_text *t, const struct vfs_env *env, uint64_t v, size_t width)
{
    char num[24];
    size_t n = proc_fmt_u64(num, v);
    while (width-- > n)
        put(t, env, " ", 1);
    put(t, env, num, n);
}

/* v / 10^decimals with that many decimals ("2394.454"). */
static void put_fixed(struct proc_text *t, const struct vfs_env *env, uint64_t v, unsigned decimals)
{
    uint64_t scale = 1;
    char num[24];
    size_t n;
    unsigned i;
    for (i = 0; i < decimals; i++)
        scale *= 10;
    put_num(t, env, v / scale, 0);
    put(t, env, ".", 1);
    n = proc_fmt_u64(num, v % scale);
    for (i = (unsigned)n; i < decimals; i++)
        put(t, env, "0", 1);
    put(t, env, num, n);
}

/* A mount point or other path in the mount tables: space, tab, newline and backslash
 * as octal escapes, as Linux writes them. */
static void put_escaped(struct proc_text *t, const struct vfs_env *env, const char *s)
{
    for (; *s; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\') {
            char esc[4] = {'\\', (char)('0' + ((unsigned char)*s >> 6)),
                           (char)('0' + (((unsigned char)*s >> 3) & 7)),
                           (char)('0' + ((unsigned char)*s & 7))};
            put(t, env, esc, 4);
        } else {
            put(t, env, s, 1);
        }
    }
}

static void gen_meminfo(struct proc_text *t, const struct vfs_env *env,
                        const struct vfs_process *info)
{
    const struct {
        const char *name;
        uint64_t bytes;
    } rows[] = {
        {"MemTotal:", info->mem_total},
        {"MemFree:", info->mem_free},
        {"MemAvailable:", info->mem_available ? info->mem_available : info->mem_free},
        {"Buffers:", 0},
        {"Cached:", 0},
        {"SwapCached:", 0},
        {"SwapTotal:", 0},
        {"SwapFree:", 0},
    };
    size_t i;
    for (i = 0; i < NENTRIES(rows); i++) {
        size_t n = strlen(rows[i].name);
        put(t, env, rows[i].name, n);
        while (n++ < 16)
            put(t, env, " ", 1);
        put_num(t, env, rows[i].bytes / 1024, 8);
        put_str(t, env, " kB\n");
    }
}

static void gen_cpuinfo(struct proc_text *t, const struct vfs_env *env,
                        const struct vfs_process *info)
{
    uint32_t i, n = info->ncpus ? info->ncpus : 1;
    for (i = 0; i < n; i++) {
        put_str(t, env, "processor\t: ");
        put_num(t, env, i, 0);
        put_str(t, env, "\nvendor_id\t: ");
        put_field(t, env, info->cpu_vendor, sizeof info->cpu_vendor);
        put_str(t, env, "\ncpu family\t: ");
        put_num(t, env, info->cpu_family, 0);
        put_str(t, env, "\nmodel\t\t: ");
        put_num(t, env, info->cpu_model_id, 0);
        put_str(t, env, "\nmodel name\t: ");
        put_field(t, env, info->cpu_model, sizeof info->cpu_model);
        put_str(t, env, "\nstepping\t: ");
        put_num(t, env, info->cpu_stepping, 0);
        if (info->cpu_khz) {
            put_str(t, env, "\ncpu MHz\t\t: ");
            put_fixed(t, env, info->cpu_khz, 3);
        }
        put_str(t, env, "\nfpu\t\t: yes\nfpu_exception\t: yes\nwp\t\t: yes\nflags\t\t: ");
        put_field(t, env, info->cpu_flags, sizeof info->cpu_flags);
        put_str(t, env, "\n\n");
    }
}

static void gen_uptime(struct proc_text *t, const struct vfs_env *env,
                       const struct vfs_process *info)
{
    put_fixed(t, env, info->uptime_ns / 10000000u, 2);
    put(t, env, " ", 1);
    put_fixed(t, env, info->idle_ns / 10000000u, 2);
    put(t, env, "\n", 1);
}

/* The files made from the mount table (vfs_mount_get). */
enum mount_file {
    MOUNTINFO,   /* /proc/PID/mountinfo: Linux's proc(5) format */
    MOUNTS,      /* /proc/PID/mounts: fstab's */
    FILESYSTEMS, /* /proc/filesystems: the types mounted in this vfs, once each, all
                  * "nodev" (none needs a block device of the process's own) */
};

static int gen_mounts(struct proc_text *t, struct proc_fs *p, enum mount_file file)
{
    const struct vfs_env *env = p->fs.env;
    struct vfs_mount_info mi;
    const char *seen[32];
    unsigned i, k, nseen = 0;
    char *path = vfs_zalloc(env, PATH_MAX);
    int rc = 0;
    bool dup;
    if (!path)
        return -ENOMEM;
    for (i = 0;; i++) {
        rc = vfs_mount_get(p->fs.vfs, i, &mi, path, PATH_MAX);
        if (rc <= 0)
            break;
        if (file == MOUNTINFO) {
            put_num(t, env, mi.id, 0);
            put(t, env, " ", 1);
            put_num(t, env, mi.parent, 0);
            put(t, env, " ", 1);
            put_num(t, env, LINUX_MAJOR(mi.dev), 0);
            put(t, env, ":", 1);
            put_num(t, env, LINUX_MINOR(mi.dev), 0);
            put_str(t, env, " / ");
            put_escaped(t, env, path);
            put_str(t, env, mi.rdonly ? " ro - " : " rw - ");
            put_str(t, env, mi.type);
            put(t, env, " ", 1);
            put_str(t, env, mi.type);
            put_str(t, env, mi.rdonly ? " ro\n" : " rw\n");
        } else if (file == MOUNTS) {
            put_str(t, env, mi.type);
            put(t, env, " ", 1);
            put_escaped(t, env, path);
            put(t, env, " ", 1);
            put_str(t, env, mi.type);
            put_str(t, env, mi.rdonly ? " ro 0 0\n" : " rw 0 0\n");
        } else {
            dup = false;
            for (k = 0; k < nseen; k++)
                dup |= strcmp(seen[k], mi.type) == 0;
            if (dup)
                continue;
            if (nseen < NENTRIES(seen))
                seen[nseen++] = mi.type;
            put_str(t, env, "nodev\t");
            put_str(t, env, mi.type);
            put(t, env, "\n", 1);
        }
    }
    vfs_free(env, path, PATH_MAX);
    return rc;
}

/* The peer's fields for pid (the host's view; without vfs_env.peer, what the process
 * says of itself). 0, -ENOENT or -errno. */
static int peer_info(const struct vfs_env *env, int32_t pid, const struct vfs_process *self,
                     struct vfs_peer *peer)
{
    int rc;
    if (env->peer) {
        rc = env->peer(env->ctx, pid, peer);
        return rc == -ESRCH ? -ENOENT : rc;
    }
    if (pid != self->pid)
        return -ENOENT;
    peer->ppid = self->ppid;
    peer->tpgid = -1;
    peer->state = 'R';
    return 0;
}

/* The command name: the peer's, else the program file's name (15 bytes at most). With
 * escape (status's Name line), newline, tab and backslash are written as "\n", "\t"
 * and "\\", as Linux does there, so that a name cannot make a line of its own. */
static void put_comm(struct proc_text *t, const struct vfs_env *env, const struct vfs_peer *peer,
                     const struct vfs_process *self, bool is_self_pid, bool escape)
{
    const char *name = peer->comm, *q;
    size_t n, i;
    if (peer->comm[0] || !is_self_pid) {
        q = memchr(peer->comm, '\0', sizeof peer->comm - 1);
        n = q ? (size_t)(q - name) : sizeof peer->comm - 1;
    } else {
        name = self->exe;
        for (q = self->exe; q < self->exe + sizeof self->exe && *q; q++)
            if (*q == '/')
                name = q + 1;
        n = (size_t)(q - name);
        n = n < 15 ? n : 15;
    }
    for (i = 0; i < n; i++) {
        char c = name[i];
        if (escape && (c == '\n' || c == '\t' || c == '\\')) {
            char esc[2] = {'\\', c == '\n' ? 'n' : c == '\t' ? 't' : '\\'};
            put(t, env, esc, 2);
        } else {
            put(t, env, &name[i], 1);
        }
    }
}

static void put_int(struct proc_text *t, const struct vfs_env *env, int64_t v)
{
    if (v < 0) {
        put(t, env, "-", 1);
        put_num(t, env, (uint64_t)-v, 0);
    } else {
        put_num(t, env, (uint64_t)v, 0);
    }
}

/* ns to clock ticks (USER_HZ 100), as stat's time fields count */
#define TICKS(ns) ((ns) / 10000000u)

static const char *state_name(char state)
{
    switch (state) {
    case 'R':
        return "R (running)";
    case 'T':
        return "T (stopped)";
    case 'Z':
        return "Z (zombie)";
    default:
        return "S (sleeping)";
    }
}

/* /proc/PID/stat: Linux's 52 fields (proc(5)); what is not known here is 0, as Linux
 * shows it for a process one may not trace (addresses) or for what capix has not
 * (faults, signals as bitmaps, wchan). */
static void gen_stat(struct proc_text *t, const struct vfs_env *env, int32_t pid,
                     const struct vfs_peer *peer, const struct vfs_process *self, bool me)
{
    uint64_t user = peer->cpu_ns > peer->sys_ns ? peer->cpu_ns - peer->sys_ns : 0;
    char state[2] = {peer->state ? peer->state : 'S', ' '};
    size_t i;
    put_int(t, env, pid);
    put_str(t, env, " (");
    put_comm(t, env, peer, self, me, false);
    put_str(t, env, ") ");
    put(t, env, state, 2);
    put_int(t, env, peer->ppid);
    put(t, env, " ", 1);
    put_int(t, env, peer->pgid);
    put(t, env, " ", 1);
    put_int(t, env, peer->sid);
    put(t, env, " ", 1);
    put_int(t, env, peer->tty_nr);
    put(t, env, " ", 1);
    put_int(t, env, peer->tpgid);
    /* flags minflt cminflt majflt cmajflt */
    put_str(t, env, " 0 0 0 0 0 ");
    put_num(t, env, TICKS(user), 0);
    put(t, env, " ", 1);
    put_num(t, env, TICKS(peer->sys_ns), 0);
    /* cutime cstime priority nice num_threads itrealvalue */
    put_str(t, env, " 0 0 20 0 1 0 ");
    put_num(t, env, TICKS(peer->start_ns), 0);
    /* vsize rss rsslim (RLIM_INFINITY) */
    put_str(t, env, " 0 0 18446744073709551615");
    /* startcode endcode startstack kstkesp kstkeip signal blocked sigignore sigcatch
     * wchan nswap cnswap */
    for (i = 0; i < 12; i++)
        put_str(t, env, " 0");
    /* exit_signal (SIGCHLD) processor rt_priority policy delayacct_blkio_ticks
     * guest_time cguest_time start_data end_data start_brk arg_start arg_end env_start
     * env_end exit_code */
    put_str(t, env, " 17");
    for (i = 0; i < 14; i++)
        put_str(t, env, " 0");
    put(t, env, "\n", 1);
}

/* A line "NAME:\tVALUE" of status. */
struct proc_field {
    const char *name;
    int64_t value;
};

static void put_fields(struct proc_text *t, const struct vfs_env *env, const struct proc_field *f,
                       size_t n)
{
    for (size_t i = 0; i < n; i++) {
        put_str(t, env, f[i].name);
        put_str(t, env, ":\t");
        put_int(t, env, f[i].value);
        put(t, env, "\n", 1);
    }
}

/* status's four ids of a kind (real, effective, saved, file system), each after a tab. */
static void put_ids(struct proc_text *t, const struct vfs_env *env, const uint32_t ids[4])
{
    for (int k = 0; k < 4; k++) {
        put(t, env, "\t", 1);
        put_num(t, env, ids[k], 0);
    }
}

static void put_hex(struct proc_text *t, const struct vfs_env *env, uint64_t v, size_t width);

/* /proc/PID/status: the lines procps and others read, in Linux's order; the signal
 * masks and memory figures are left out (not known for another process). */
static void gen_status(struct proc_text *t, struct proc_fs *p, int32_t pid,
                       const struct vfs_peer *peer, const struct vfs_process *self, bool me)
{
    const struct vfs_env *env = p->fs.env;
    uint32_t uid[4], gid[4];
    int k;
    vfs_get_ids(p->fs.vfs, &uid[0], &gid[0]);
    for (k = 1; k < 4; k++)
        uid[k] = uid[0], gid[k] = gid[0];
    if (peer->has_ids) { /* the launcher's: the process's own four of each */
        memcpy(uid, peer->uid, sizeof(uid));
        memcpy(gid, peer->gid, sizeof(gid));
    }
    const struct proc_field ids[] = {
        {"Tgid", pid}, {"Ngid", 0}, {"Pid", pid}, {"PPid", peer->ppid}, {"TracerPid", 0}};
    const struct proc_field ns[] = {{"NStgid", pid},
                                    {"NSpid", pid},
                                    {"NSpgid", peer->pgid},
                                    {"NSsid", peer->sid},
                                    {"Threads", 1}};
    put_str(t, env, "Name:\t");
    put_comm(t, env, peer, self, me, true);
    put_str(t, env, "\nState:\t");
    put_str(t, env, state_name(peer->state));
    put(t, env, "\n", 1);
    put_fields(t, env, ids, NENTRIES(ids));
    put_str(t, env, "Uid:");
    put_ids(t, env, uid);
    put_str(t, env, "\nGid:");
    put_ids(t, env, gid);
    put_str(t, env, "\nGroups:\t\n");
    put_fields(t, env, ns, NENTRIES(ns));
    if (peer->has_caps) { /* as Linux's render_cap_t: 16 hex digits */
        static const char *const names[] = {"CapInh:\t", "CapPrm:\t", "CapEff:\t", "CapBnd:\t",
                                            "CapAmb:\t"};
        for (k = 0; k < 5; k++) {
            put_str(t, env, names[k]);
            put_hex(t, env, peer->caps[k], 16);
            put(t, env, "\n", 1);
        }
        put_str(t, env, peer->no_new_privs ? "NoNewPrivs:\t1\n" : "NoNewPrivs:\t0\n");
    }
}

/* v in lower-case hex, at least width digits (zero-padded), as Linux's seq_put_hex_ll. */
static void put_hex(struct proc_text *t, const struct vfs_env *env, uint64_t v, size_t width)
{
    char tmp[16];
    size_t n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    while (width-- > n)
        put(t, env, "0", 1);
    while (n)
        put(t, env, &tmp[--n], 1);
}

/* Where a maps line's name starts: Linux pads the line to 25 + 6 * sizeof(void *) - 1
 * columns and adds one space (fs/proc/task_mmu.c, seq_pad). */
#define MAPS_NAME_COLUMN 72

/* /proc/PID/maps: one line per area the host names (vfs_env.mapping), ascending:
 * "START-END PERMS OFFSET MAJOR:MINOR INODE" and, for a named area, spaces and the
 * name (a newline in it written "\012", as Linux's seq_file_path does). */
static int gen_maps(struct proc_text *t, const struct vfs_env *env)
{
    struct vfs_mapping m;
    uint64_t from = 0;
    int rc;
    if (!env->mapping)
        return 0; /* the host tells nothing: empty, as a kernel thread's */
    for (;;) {
        memset(&m, 0, sizeof m);
        rc = env->mapping(env->ctx, from, &m);
        if (rc <= 0)
            return rc;
        if (m.end <= m.start || m.start < from)
            return -EIO; /* a host that does not move on */
        size_t line = t->len;
        char perms[5] = {m.prot & VFS_PROT_READ ? 'r' : '-', m.prot & VFS_PROT_WRITE ? 'w' : '-',
                         m.prot & VFS_PROT_EXEC ? 'x' : '-', m.shared ? 's' : 'p', ' '};
        put_hex(t, env, m.start, 8);
        put(t, env, "-", 1);
        put_hex(t, env, m.end, 8);
        put(t, env, " ", 1);
        put(t, env, perms, 5);
        put_hex(t, env, m.offset, 8);
        put(t, env, " ", 1);
        put_hex(t, env, LINUX_MAJOR(m.dev), 2);
        put(t, env, ":", 1);
        put_hex(t, env, LINUX_MINOR(m.dev), 2);
        put(t, env, " ", 1);
        put_num(t, env, m.ino, 0);
        put(t, env, " ", 1);
        if (m.name && m.name[0]) {
            while (!t->nomem && t->len - line < MAPS_NAME_COLUMN)
                put(t, env, " ", 1);
            put(t, env, " ", 1);
            for (const char *c = m.name; *c; c++)
                if (*c == '\n')
                    put_str(t, env, "\\012");
                else
                    put(t, env, c, 1);
            if (m.deleted)
                put_str(t, env, " (deleted)");
        }
        put(t, env, "\n", 1);
        if (t->nomem || m.end == 0)
            return 0;
        from = m.end;
    }
}

/* /proc/loadavg: capix keeps no load average (0.00); running/total and the last pid
 * are the sandbox's. */
static int gen_loadavg(struct proc_text *t, const struct vfs_env *env)
{
    int32_t pid = 0, last = 0, count = 0;
    int rc;
    while ((rc = proc_next_pid(env, pid + 1, &pid)) > 0)
        last = pid, count++;
    if (rc < 0)
        return rc;
    put_str(t, env, "0.00 0.00 0.00 1/");
    put_num(t, env, (uint64_t)count, 0);
    put(t, env, " ", 1);
    put_num(t, env, (uint64_t)last, 0);
    put(t, env, "\n", 1);
    return 0;
}

/* /proc/stat: one CPU; its user and system time are the sandbox's live processes',
 * idle the rest of the uptime; btime from the wall clock and the uptime. */
static int gen_stat_all(struct proc_text *t, const struct vfs_env *env,
                        const struct vfs_process *self)
{
    struct vfs_peer *peer = vfs_zalloc(env, sizeof *peer);
    uint64_t user = 0, sys = 0, idle, up = TICKS(self->uptime_ns);
    int32_t pid = 0, running = 0, last = 0;
    struct linux_timespec now = vfs_now(env);
    int rc, line, i;
    if (!peer)
        return -ENOMEM;
    while ((rc = proc_next_pid(env, pid + 1, &pid)) > 0) {
        last = pid;
        memset(peer, 0, sizeof *peer);
        if (peer_info(env, pid, self, peer) < 0)
            continue; /* gone meanwhile */
        user += TICKS(peer->cpu_ns > peer->sys_ns ? peer->cpu_ns - peer->sys_ns : 0);
        sys += TICKS(peer->sys_ns);
        running += peer->state == 'R';
    }
    vfs_free(env, peer, sizeof *peer);
    if (rc < 0)
        return rc;
    idle = up > user + sys ? up - user - sys : 0;
    for (line = 0; line < 2; line++) {
        put_str(t, env, line ? "cpu0 " : "cpu  ");
        put_num(t, env, user, 0);
        put_str(t, env, " 0 ");
        put_num(t, env, sys, 0);
        put(t, env, " ", 1);
        put_num(t, env, idle, 0);
        for (i = 0; i < 6; i++)
            put_str(t, env, " 0");
        put(t, env, "\n", 1);
    }
    put_str(t, env, "intr 0\nctxt 0\nbtime ");
    put_num(t, env,
            (uint64_t)now.tv_sec > self->uptime_ns / 1000000000u
                ? (uint64_t)now.tv_sec - self->uptime_ns / 1000000000u
                : 0,
            0);
    put_str(t, env, "\nprocesses ");
    put_num(t, env, (uint64_t)last, 0);
    put_str(t, env, "\nprocs_running ");
    put_num(t, env, (uint64_t)(running ? running : 1), 0);
    put_str(t, env, "\nprocs_blocked 0\n");
    return 0;
}

int proc_generate(struct proc_fs *p, struct proc_node *n, struct proc_text *t)
{
    const struct vfs_env *env = p->fs.env;
    struct vfs_process *info;
    struct vfs_peer *peer = NULL;
    bool me = false;
    int rc;
    if (n->kind == PROC_FILESYSTEMS)
        return gen_mounts(t, p, FILESYSTEMS);
    if (n->kind >= PROC_PID) {
        rc = proc_is_self(env, n);
        if (rc < 0)
            return rc;
        me = rc == 1;
    }
    if (n->kind == PROC_MOUNTINFO || n->kind == PROC_MOUNTS)
        return me ? gen_mounts(t, p, n->kind == PROC_MOUNTINFO ? MOUNTINFO : MOUNTS) : -EACCES;
    if ((n->kind == PROC_ENVIRON || n->kind == PROC_MAPS) && !me)
        return -EACCES; /* only a process's own runtime holds its environment and mappings */
    if (n->kind == PROC_MAPS)
        return gen_maps(t, env);
    info = vfs_zalloc(env, sizeof *info);
    if (!info)
        return -ENOMEM;
    rc = proc_info(env, info);
    if (rc < 0)
        goto out;
    if (n->kind >= PROC_PID) {
        peer = vfs_zalloc(env, sizeof *peer);
        rc = peer ? peer_info(env, n->pid, info, peer) : -ENOMEM;
        if (rc < 0)
            goto out;
    }
    switch (n->kind) {
    case PROC_MEMINFO:
        gen_meminfo(t, env, info);
        break;
    case PROC_CPUINFO:
        gen_cpuinfo(t, env, info);
        break;
    case PROC_UPTIME:
        gen_uptime(t, env, info);
        break;
    case PROC_LOADAVG:
        rc = gen_loadavg(t, env);
        break;
    case PROC_STAT_ALL:
        rc = gen_stat_all(t, env, info);
        break;
    case PROC_PID_MAX:
        put_num(t, env, PROC_PID_MAX_VALUE, 0);
        put(t, env, "\n", 1);
        break;
    case PROC_PIPE_MAX_SIZE:
        put_num(t, env, VFS_PIPE_SIZE, 0);
        put(t, env, "\n", 1);
        break;
    case PROC_HOSTNAME:
        put_str(t, env, "capix\n");
        break;
    case PROC_OSTYPE:
        put_str(t, env, "Linux\n");
        break;
    case PROC_OSRELEASE:
        put_str(t, env, "6.1.0-capix\n");
        break;
    case PROC_CMDLINE:
        if (peer->state == 'Z')
            break; /* a zombie has no memory: empty, as on Linux */
        if (me && info->cmdline && info->cmdline_len)
            put(t, env, info->cmdline, info->cmdline_len);
        else if (!me)
            put(t, env, peer->cmdline,
                peer->cmdline_len < sizeof peer->cmdline ? peer->cmdline_len
                                                         : sizeof peer->cmdline);
        break;
    case PROC_ENVIRON:
        if (peer->state != 'Z' && info->environ && info->environ_len)
            put(t, env, info->environ, info->environ_len);
        break;
    case PROC_COMM:
        put_comm(t, env, peer, info, me, false);
        put(t, env, "\n", 1);
        break;
    case PROC_STAT:
        gen_stat(t, env, n->pid, peer, info, me);
        break;
    case PROC_STATUS:
        gen_status(t, p, n->pid, peer, info, me);
        break;
    default:
        break;
    }
out:
    if (peer)
        vfs_free(env, peer, sizeof *peer);
    vfs_free(env, info, sizeof *info);
    return rc;
}

void proc_text_free(const struct vfs_env *env, struct proc_text *t)
{
    vfs_free(env, t->data, t->cap);
    vfs_free(env, t, sizeof *t);
}

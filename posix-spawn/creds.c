/*
 * Credentials (RT_LABEL_CRED, docs/runtime.md "Credentials"): each process's real,
 * effective, saved and file-system user and group ids and its supplementary groups live
 * here, in its table entry, and change only by the rules below, which are Linux's
 * (kernel/sys.c, kernel/groups.c, fs/exec.c) with "privileged" meaning an effective uid
 * of 0, as it does for a root process that has not dropped its capabilities by other
 * means: CAP_SETUID and CAP_SETGID follow the effective uid (Linux's
 * cap_emulate_setxuid). The first process starts with the config's `uid` and `gid` (0
 * by default) in all four of each and no supplementary groups (`nosuid`: set-id bits
 * are not honoured at exec); fork and vfork children
 * get their parent's (new_proc), execve keeps them but for the set-user-id rule.
 *
 * Invariant: fsuid and fsgid are the effective ids unless setfsuid or setfsgid moved
 * them, and each change of the effective id takes the fs id with it; groups[0..ngroups)
 * is ascending.
 */
#include <capix/config.h>
#include "launcher.h"
#include <vfs/linux.h>

#define ID_NONE 0xffffffffu /* -1: leave that id unchanged */

static struct rt_creds first_creds; /* what the first process starts with */
static bool nosuid;                 /* config `nosuid`: set-id bits are ignored at exec */

void creds_config(const struct cfg_node *config)
{
    uint64_t v;
    for (const struct cfg_node *n = cfg_first(config, NULL); n; n = cfg_next(n, NULL)) {
        if (!strcmp(n->name, "nosuid"))
            nosuid = true;
        bool uid = !strcmp(n->name, "uid");
        if (!uid && strcmp(n->name, "gid"))
            continue;
        /* the runtime reports a malformed value as a configuration error; here it stays 0 */
        if (cfg_nargs(n) != 1 || cfg_parse_u64(cfg_arg(n, 0), &v) || v >= ID_NONE)
            continue;
        struct rt_ids *ids = uid ? &first_creds.uid : &first_creds.gid;
        ids->real = ids->eff = ids->saved = ids->fs = (uint32_t)v;
    }
}

void creds_first(struct proc *pr)
{
    pr->cred = first_creds;
}

static bool privileged(const struct rt_creds *c)
{
    return c->uid.eff == 0;
}

/* One of the process's real, effective or saved ids. */
static bool one_of(const struct rt_ids *ids, uint32_t id)
{
    return id == ids->real || id == ids->eff || id == ids->saved;
}

/* setuid / setgid. */
static long set_id(struct rt_ids *ids, uint32_t id, bool priv)
{
    if (id == ID_NONE)
        return -EINVAL; /* not a valid id */
    if (priv)
        ids->real = ids->saved = id;
    else if (id != ids->real && id != ids->saved)
        return -EPERM;
    ids->eff = ids->fs = id;
    return 0;
}

/* setreuid / setregid (Linux's rules: the saved id follows the effective one when the
 * real id is set, or the effective one is set to anything but the old real one). */
static long set_re(struct rt_ids *ids, uint32_t r, uint32_t e, bool priv)
{
    struct rt_ids old = *ids;
    if (r != ID_NONE && !priv && r != old.real && r != old.eff)
        return -EPERM;
    if (e != ID_NONE && !priv && !one_of(&old, e))
        return -EPERM;
    if (r != ID_NONE)
        ids->real = r;
    if (e != ID_NONE)
        ids->eff = e;
    if (r != ID_NONE || (e != ID_NONE && e != old.real))
        ids->saved = ids->eff;
    ids->fs = ids->eff;
    return 0;
}

/* setresuid / setresgid: an unprivileged process may set each to one of its current
 * real, effective and saved ids. */
static long set_res(struct rt_ids *ids, uint32_t r, uint32_t e, uint32_t s, bool priv)
{
    struct rt_ids old = *ids;
    if ((r == ID_NONE || r == old.real) && (e == ID_NONE || (e == old.eff && e == old.fs)) &&
        (s == ID_NONE || s == old.saved))
        return 0; /* nothing changes (not even an fs id that setfsuid moved) */
    if (!priv && ((r != ID_NONE && !one_of(&old, r)) || (e != ID_NONE && !one_of(&old, e)) ||
                  (s != ID_NONE && !one_of(&old, s))))
        return -EPERM;
    if (r != ID_NONE)
        ids->real = r;
    if (e != ID_NONE)
        ids->eff = e;
    if (s != ID_NONE)
        ids->saved = s;
    ids->fs = ids->eff;
    return 0;
}

/* setfsuid / setfsgid: the old fs id always; the new one only if it is one of the
 * process's ids or the process is privileged (an invalid id only asks). */
static long set_fs(struct rt_ids *ids, uint32_t id, bool priv)
{
    long old = ids->fs;
    if (id != ID_NONE && (priv || one_of(ids, id) || id == ids->fs))
        ids->fs = id;
    return old;
}

/* setgroups: count groups in the caller's IPC buffer words 4.. (words of the message:
 * the rest of it is not to be trusted beyond that). */
static long set_groups(struct rt_creds *c, uint64_t count, unsigned words)
{
    if (!privileged(c))
        return -EPERM;
    if (count > RT_CRED_GROUPS_MAX)
        return -EINVAL; /* more than capix keeps (Linux's NGROUPS_MAX is 65536) */
    if (4 + (count + 1) / 2 > words)
        return -EFAULT; /* the message does not hold them */
    const uint64_t *w = cx_ipcbuf()->words + 4;
    uint32_t g[RT_CRED_GROUPS_MAX];
    for (uint64_t i = 0; i < count; i++) {
        g[i] = (uint32_t)(w[i / 2] >> (i % 2 ? 32 : 0));
        if (g[i] == ID_NONE)
            return -EINVAL;
    }
    for (uint64_t i = 1; i < count; i++) /* ascending, as Linux sorts them */
        for (uint64_t j = i; j > 0 && g[j - 1] > g[j]; j--) {
            uint32_t t = g[j];
            g[j] = g[j - 1];
            g[j - 1] = t;
        }
    memcpy(c->groups, g, count * sizeof(g[0]));
    c->ngroups = (uint32_t)count;
    return 0;
}

/* execve: the set-user-id bit makes the file's owner the effective uid, the
 * set-group-id bit (with group execute, else it means mandatory locking) its group the
 * effective gid, unless the sandbox says `nosuid` (the runtime reports the bits, and
 * the launcher cannot check them: docs/sandboxes.md, "Credentials"); then the saved
 * and fs ids are the effective ones. */
static void exec_ids(struct rt_creds *c, uint64_t mode, uint64_t uid, uint64_t gid)
{
    if (nosuid)
        mode = 0;
    if ((mode & 04000) && uid < ID_NONE)
        c->uid.eff = (uint32_t)uid;
    if ((mode & 02010) == 02010 && gid < ID_NONE)
        c->gid.eff = (uint32_t)gid;
    c->uid.saved = c->uid.fs = c->uid.eff;
    c->gid.saved = c->gid.fs = c->gid.eff;
}

/* Whether a change from o to n clears the parent-death signal (Linux's commit_creds:
 * another effective or fs id; and an exec whose effective ids are not the real ones,
 * its secureexec). */
static bool pdeathsig_cleared(const struct rt_creds *o, const struct rt_creds *n, bool exec)
{
    return o->uid.eff != n->uid.eff || o->gid.eff != n->gid.eff || o->uid.fs != n->uid.fs ||
           o->gid.fs != n->gid.fs ||
           (exec && (n->uid.eff != n->uid.real || n->gid.eff != n->gid.real));
}

unsigned creds_call(struct proc *pr, struct cx_msg *m, unsigned words)
{
    struct rt_creds *c = &pr->cred, before = pr->cred;
    bool priv = privileged(c);
    uint64_t op = words ? m->w[0] : ~0ul;
    /* ids are 32-bit (the runtime cuts them as Linux's uid_t does): a wider word is no id */
    uint32_t a[3];
    long r = 0;
    for (int i = 0; i < 3; i++) {
        uint64_t v = (unsigned)(i + 1) < words ? m->w[i + 1] : ID_NONE;
        a[i] = (uint32_t)v;
        if (v > ID_NONE && op != RT_CRED_EXEC && op != RT_CRED_SETGROUPS)
            r = -EINVAL;
    }
    if (!r) {
        switch (op) {
        case RT_CRED_GET:
            break;
        case RT_CRED_SETUID:
        case RT_CRED_SETGID:
            r = set_id(op == RT_CRED_SETUID ? &c->uid : &c->gid, a[0], priv);
            break;
        case RT_CRED_SETREUID:
        case RT_CRED_SETREGID:
            r = set_re(op == RT_CRED_SETREUID ? &c->uid : &c->gid, a[0], a[1], priv);
            break;
        case RT_CRED_SETRESUID:
        case RT_CRED_SETRESGID:
            r = set_res(op == RT_CRED_SETRESUID ? &c->uid : &c->gid, a[0], a[1], a[2], priv);
            break;
        case RT_CRED_SETFSUID:
        case RT_CRED_SETFSGID:
            r = set_fs(op == RT_CRED_SETFSUID ? &c->uid : &c->gid, a[0], priv);
            break;
        case RT_CRED_SETGROUPS:
            r = set_groups(c, words > 1 ? m->w[1] : ~0ul, words);
            break;
        case RT_CRED_EXEC:
            if (words < 4)
                r = -EINVAL;
            else
                exec_ids(c, m->w[1], m->w[2], m->w[3]);
            break;
        default:
            r = -EINVAL;
        }
    }
    if (pdeathsig_cleared(&before, c, op == RT_CRED_EXEC && !r))
        pr->pdeathsig = 0;
    struct cx_ipcbuf *b = cx_ipcbuf();
    memset(b->words + 1, 0, (RT_CRED_WORDS - 1) * 8);
    memcpy(b->words + 1, c, sizeof(*c));
    memcpy(m->w + 1, b->words + 1, 3 * 8); /* words 1..3 travel in registers */
    m->w[0] = (uint64_t)r;
    return RT_CRED_WORDS;
}

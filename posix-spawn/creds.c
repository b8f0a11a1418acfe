/*
 * Credentials (RT_LABEL_CRED, docs/runtime.md "Credentials"): each process's real,
 * effective, saved and file-system user and group ids, its supplementary groups, its
 * capability sets (effective, permitted, inheritable, bounding, ambient), securebits and
 * no_new_privs live here, in its table entry, and change only by the rules below, which
 * are Linux's (kernel/sys.c, kernel/groups.c, kernel/capability.c,
 * security/commoncap.c, fs/exec.c) without file capabilities: "privileged" for a call
 * is the capability Linux asks for in the effective set (CAP_SETUID, CAP_SETGID,
 * CAP_SETPCAP), and the sets follow the uids as cap_emulate_setxuid makes them. The
 * first process starts with the config's `uid` and `gid` (0 by default) in all four of
 * each, no supplementary groups, a full bounding set and, as root, full effective and
 * permitted sets (set-id bits are honoured at exec only with `suid`); fork and vfork
 * children get their parent's (new_proc), execve keeps the ids but for the set-user-id
 * rule and computes the sets anew (exec_caps).
 *
 * Invariant: fsuid and fsgid are the effective ids unless setfsuid or setfsgid moved
 * them, and each change of the effective id takes the fs id with it; groups[0..ngroups)
 * is ascending; effective is within permitted, ambient within permitted and
 * inheritable; every set within RT_CAP_ALL; no_new_privs never goes back to 0.
 */
#include <capix/config.h>
#include "launcher.h"
#include <vfs/linux.h>

#define ID_NONE 0xffffffffu /* -1: leave that id unchanged */

/* Linux's capability numbers and securebits used here */
#define CAP_BIT(n) (1ull << (n))
#define CAP_SETGID 6
#define CAP_SETUID 7
#define CAP_SETPCAP 8
/* what a change of the fs uid from or to 0 takes from or gives to the effective set:
 * CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, FSETID, LINUX_IMMUTABLE, MKNOD,
 * MAC_OVERRIDE (Linux's CAP_FS_SET) */
#define CAP_FS_SET                                                                                 \
    (CAP_BIT(0) | CAP_BIT(1) | CAP_BIT(2) | CAP_BIT(3) | CAP_BIT(4) | CAP_BIT(9) | CAP_BIT(27) |   \
     CAP_BIT(32))
#define SECBIT_NOROOT (1u << 0)
#define SECBIT_NO_SETUID_FIXUP (1u << 2)
#define SECBIT_KEEP_CAPS (1u << 4)
#define SECBIT_NO_CAP_AMBIENT_RAISE (1u << 6)
#define SECURE_ALL_BITS 0x55u
#define SECURE_ALL_LOCKS 0xaau

static struct rt_creds first_creds; /* what the first process starts with */
static bool suid; /* config `suid`: set-id bits the runtime reports are honoured at exec */

void creds_config(const struct cfg_node *config)
{
    uint64_t v;
    for (const struct cfg_node *n = cfg_first(config, NULL); n; n = cfg_next(n, NULL)) {
        if (!strcmp(n->name, "suid"))
            suid = true; /* `nosuid`, the default, needs nothing */
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
    /* as a Linux process that root's init started, or one that gave up root since */
    pr->cred.cap_bnd = RT_CAP_ALL;
    pr->cred.cap_eff = pr->cred.cap_prm = first_creds.uid.eff == 0 ? RT_CAP_ALL : 0;
}

static bool capable(const struct rt_creds *c, unsigned cap)
{
    return (c->cap_eff & CAP_BIT(cap)) != 0;
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
    if (!capable(c, CAP_SETGID))
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
 * effective gid, only in a sandbox whose config says `suid`: the runtime reports the
 * bits, and the launcher cannot check them nor what runs after the exec, so by default
 * they are ignored as on a `nosuid` mount, and said so once (docs/sandboxes.md,
 * "Set-user-id files"); then the saved and fs ids are the effective ones. */
static void exec_ids(int pid, struct rt_creds *c, uint64_t mode, uint64_t uid, uint64_t gid)
{
    static bool ignored_logged;
    struct rt_creds old = *c;
    if (!suid && !c->no_new_privs && ((mode & 04000) || (mode & 02010) == 02010) &&
        !ignored_logged) {
        ignored_logged = true;
        cx_printf("posix-spawn: pid %d executes a set-id file: its bits are ignored (the "
                  "launcher cannot check what runs; `suid` in the config honours them)\n",
                  pid);
    }
    if (!suid || c->no_new_privs)
        mode = 0; /* no_new_privs: set-id bits are not honoured (Linux's bprm_fill_uid) */
    if ((mode & 04000) && uid < ID_NONE)
        c->uid.eff = (uint32_t)uid;
    if ((mode & 02010) == 02010 && gid < ID_NONE)
        c->gid.eff = (uint32_t)gid;
    /* the capability sets, as Linux's cap_bprm_creds_from_file for a file without file
     * capabilities: root (real or effective) gets the bounding and inheritable sets as
     * permitted, an effective root all of them as effective; the ambient set carries over
     * unless the exec changes ids */
    bool effective = false;
    c->cap_prm = 0;
    if (!(c->securebits & SECBIT_NOROOT)) {
        if (c->uid.eff == 0 || c->uid.real == 0)
            c->cap_prm = old.cap_bnd | old.cap_inh;
        effective = c->uid.eff == 0;
    }
    bool setid = c->uid.eff != old.uid.real || c->gid.eff != old.gid.real;
    if ((setid || (c->cap_prm & ~old.cap_prm)) && c->no_new_privs) {
        c->uid.eff = c->uid.real; /* no_new_privs: no more than it had */
        c->gid.eff = c->gid.real;
        c->cap_prm &= old.cap_prm;
    }
    c->uid.saved = c->uid.fs = c->uid.eff;
    c->gid.saved = c->gid.fs = c->gid.eff;
    if (setid)
        c->cap_amb = 0;
    c->cap_prm |= c->cap_amb;
    c->cap_eff = effective ? c->cap_prm : c->cap_amb;
    c->securebits &= ~SECBIT_KEEP_CAPS;
}

/* How a change of uids moves the capability sets (Linux's cap_task_fix_setuid): leaving
 * every root uid clears permitted and effective (unless KEEP_CAPS) and ambient; the
 * effective set follows the effective uid from and to 0; setfsuid moves the file-system
 * capabilities with the fs uid. */
static void fix_caps(struct rt_creds *c, const struct rt_ids *o, bool fs_call)
{
    const struct rt_ids *n = &c->uid;
    if (c->securebits & SECBIT_NO_SETUID_FIXUP)
        return;
    if (fs_call) {
        if (o->fs == 0 && n->fs != 0)
            c->cap_eff &= ~CAP_FS_SET;
        if (o->fs != 0 && n->fs == 0)
            c->cap_eff |= c->cap_prm & CAP_FS_SET;
        return;
    }
    if ((o->real == 0 || o->eff == 0 || o->saved == 0) && n->real != 0 && n->eff != 0 &&
        n->saved != 0) {
        if (!(c->securebits & SECBIT_KEEP_CAPS))
            c->cap_prm = c->cap_eff = 0;
        c->cap_amb = 0;
    }
    if (o->eff == 0 && n->eff != 0)
        c->cap_eff = 0;
    if (o->eff != 0 && n->eff == 0)
        c->cap_eff = c->cap_prm;
}

/* capset (Linux's cap_capset): the new inheritable set within the old inheritable and
 * permitted (without CAP_SETPCAP) and bounding sets, permitted only shrinks, effective
 * within the new permitted; ambient keeps what stays both permitted and inheritable. */
static long cap_set(struct rt_creds *c, uint64_t eff, uint64_t prm, uint64_t inh)
{
    eff &= RT_CAP_ALL, prm &= RT_CAP_ALL, inh &= RT_CAP_ALL;
    if (!capable(c, CAP_SETPCAP) && (inh & ~(c->cap_inh | c->cap_prm)))
        return -EPERM;
    if ((inh & ~(c->cap_inh | c->cap_bnd)) || (prm & ~c->cap_prm) || (eff & ~prm))
        return -EPERM;
    c->cap_eff = eff, c->cap_prm = prm, c->cap_inh = inh;
    c->cap_amb &= prm & inh;
    return 0;
}

/* The prctl options that change capabilities or securebits (Linux's cap_task_prctl);
 * the runtime has checked the arguments Linux answers EINVAL for, but a raw request is
 * checked again. */
static long cap_prctl(struct rt_creds *c, uint64_t op, uint64_t arg)
{
    uint32_t locks = c->securebits & SECURE_ALL_LOCKS;
    switch (op) {
    case RT_CAPCTL_SET_KEEPCAPS:
        if (arg > 1)
            return -EINVAL;
        if (c->securebits & (SECBIT_KEEP_CAPS << 1))
            return -EPERM; /* locked */
        c->securebits = arg ? c->securebits | SECBIT_KEEP_CAPS : c->securebits & ~SECBIT_KEEP_CAPS;
        return 0;
    case RT_CAPCTL_SET_SECUREBITS:
        /* no change of a locked bit, no unlocking, no unknown bit, and CAP_SETPCAP */
        if (((locks >> 1) & (c->securebits ^ arg)) || (locks & ~arg) ||
            (arg & ~(uint64_t)(SECURE_ALL_BITS | SECURE_ALL_LOCKS)) || !capable(c, CAP_SETPCAP))
            return -EPERM;
        c->securebits = (uint32_t)arg;
        return 0;
    case RT_CAPCTL_SET_NNP:
        c->no_new_privs = 1;
        return 0;
    case RT_CAPCTL_BSET_DROP:
        if (!capable(c, CAP_SETPCAP))
            return -EPERM;
        if (arg > RT_CAP_LAST)
            return -EINVAL;
        c->cap_bnd &= ~CAP_BIT(arg);
        return 0;
    case RT_CAPCTL_AMB_RAISE:
    case RT_CAPCTL_AMB_LOWER:
        if (arg > RT_CAP_LAST)
            return -EINVAL;
        if (op == RT_CAPCTL_AMB_LOWER) {
            c->cap_amb &= ~CAP_BIT(arg);
            return 0;
        }
        if (!(c->cap_prm & c->cap_inh & CAP_BIT(arg)) ||
            (c->securebits & SECBIT_NO_CAP_AMBIENT_RAISE))
            return -EPERM;
        c->cap_amb |= CAP_BIT(arg);
        return 0;
    case RT_CAPCTL_AMB_CLEAR:
        c->cap_amb = 0;
        return 0;
    }
    return -EINVAL;
}

/* RT_CRED_CAPGET: another process's sets (capget with its pid: anyone may read them). */
static unsigned cap_get(struct cx_msg *m, unsigned words)
{
    struct proc *q =
        words > 1 && m->w[1] > 0 && m->w[1] < (1ul << 31) ? find_proc((int)m->w[1]) : NULL;
    if (!q || q->state == P_FREE) {
        m->w[0] = (uint64_t)-ESRCH;
        return 1;
    }
    const struct rt_creds *c = &q->cred;
    struct cx_ipcbuf *b = cx_ipcbuf();
    uint64_t w[6] = {c->cap_eff, c->cap_prm, c->cap_inh, c->cap_bnd, c->cap_amb, c->no_new_privs};
    memcpy(b->words + 1, w, sizeof(w));
    memcpy(m->w + 1, w, 3 * 8); /* words 1..3 travel in registers */
    m->w[0] = 0;
    return 7;
}

/* Whether a change from o to n clears the parent-death signal (Linux's commit_creds:
 * another effective or fs id, or a permitted set that gained; and an exec whose
 * effective ids are not the real ones, its secureexec). */
static bool pdeathsig_cleared(const struct rt_creds *o, const struct rt_creds *n, bool exec)
{
    return o->uid.eff != n->uid.eff || o->gid.eff != n->gid.eff || o->uid.fs != n->uid.fs ||
           o->gid.fs != n->gid.fs || (n->cap_prm & ~o->cap_prm) ||
           (exec && (n->uid.eff != n->uid.real || n->gid.eff != n->gid.real));
}

unsigned creds_call(struct proc *pr, struct cx_msg *m, unsigned words)
{
    struct rt_creds *c = &pr->cred, before = pr->cred;
    uint64_t op = words ? m->w[0] : ~0ul;
    if (op == RT_CRED_CAPGET)
        return cap_get(m, words);
    bool priv = capable(c, op == RT_CRED_SETUID || op == RT_CRED_SETREUID ||
                                   op == RT_CRED_SETRESUID || op == RT_CRED_SETFSUID
                               ? CAP_SETUID
                               : CAP_SETGID);
    /* ids are 32-bit (the runtime cuts them as Linux's uid_t does): a wider word is no id */
    uint32_t a[3];
    long r = 0;
    for (int i = 0; i < 3; i++) {
        uint64_t v = (unsigned)(i + 1) < words ? m->w[i + 1] : ID_NONE;
        a[i] = (uint32_t)v;
        if (v > ID_NONE && op != RT_CRED_EXEC && op != RT_CRED_SETGROUPS && op != RT_CRED_CAPSET &&
            op != RT_CRED_PRCTL)
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
        case RT_CRED_EXEC: {
            const uint64_t *w = cx_ipcbuf()->words;
            if (words < 4 || (words > 4 && words < 8))
                r = -EINVAL;
            else if (words > 4) /* with the new command, as RT_PROC_SET */
                r = proc_set(pr, w[4], w[5], w + 6, w + 8, words - 8);
            if (!r)
                exec_ids(pr->pid, c, m->w[1], m->w[2], m->w[3]);
            vfork_domain_ready(pr); /* a vfork child's exec: past taking its references */
            break;
        }
        case RT_CRED_CAPSET:
            r = words < 4 ? -EINVAL : cap_set(c, m->w[1], m->w[2], m->w[3]);
            break;
        case RT_CRED_PRCTL:
            r = words < 3 ? -EINVAL : cap_prctl(c, m->w[1], m->w[2]);
            break;
        default:
            r = -EINVAL;
        }
    }
    if (!r && (op == RT_CRED_SETUID || op == RT_CRED_SETREUID || op == RT_CRED_SETRESUID))
        fix_caps(c, &before.uid, false);
    if (op == RT_CRED_SETFSUID)
        fix_caps(c, &before.uid, true);
    if (pdeathsig_cleared(&before, c, op == RT_CRED_EXEC && !r))
        pr->pdeathsig = 0;
    if (before.uid.fs != c->uid.fs || before.gid.fs != c->gid.fs || before.cap_eff != c->cap_eff ||
        before.ngroups != c->ngroups ||
        memcmp(before.groups, c->groups, c->ngroups * sizeof(c->groups[0])))
        subclients_setcreds(pr); /* the servers check its files with these from now on */
    struct cx_ipcbuf *b = cx_ipcbuf();
    memset(b->words + 1, 0, (RT_CRED_WORDS - 1) * 8);
    memcpy(b->words + 1, c, sizeof(*c));
    memcpy(m->w + 1, b->words + 1, 3 * 8); /* words 1..3 travel in registers */
    m->w[0] = (uint64_t)r;
    return RT_CRED_WORDS;
}

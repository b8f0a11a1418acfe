/*
 * Credentials: setuid, setgid, setreuid, setregid, setresuid, setresgid, setfsuid,
 * setfsgid, setgroups go to the launcher (RT_LABEL_CRED), which holds every process's
 * ids and applies Linux's rules (posix-spawn/creds.c); getuid, geteuid, getgid,
 * getegid, getresuid, getresgid and getgroups answer from rt_cred, the launcher's last
 * answer for the live process context (only a process's own calls change its
 * credentials, and each reply carries them whole). A fork child's copy is right as it
 * is (the launcher copied its parent's); vfork contexts keep theirs (vfork.c).
 *
 * The capability sets, securebits and no_new_privs are the launcher's too: capset and
 * prctl's changing options are messages (RT_CRED_CAPSET, RT_CRED_PRCTL), capget of this
 * process and the reading options answer from rt_cred, capget of another process asks
 * (RT_CRED_CAPGET).
 *
 * What the ids do inside the process: the VFS checks mode bits with the fs ids (as
 * Linux checks file access; access and faccessat with the real ones) and its
 * privileges with the effective capabilities (CAP_DAC_OVERRIDE, CAP_FOWNER, ...), new
 * pipes and sockets are owned by the effective ids (rt_uid, rt_gid), and the auxiliary
 * vector carries the real and effective ones.
 */
#include <string.h>
#include <vfs/plugin.h>
#include "creds.h"
#include "runtime.h"

enum {
    NR_setuid = 105,
    NR_setgid = 106,
    NR_setreuid = 113,
    NR_setregid = 114,
    NR_getgroups = 115,
    NR_setgroups = 116,
    NR_setresuid = 117,
    NR_getresuid = 118,
    NR_setresgid = 119,
    NR_getresgid = 120,
    NR_setfsuid = 122,
    NR_setfsgid = 123,
    NR_capget = 125,
    NR_capset = 126,
};

/* prctl options (linux/prctl.h) */
enum {
    PR_GET_KEEPCAPS = 7,
    PR_SET_KEEPCAPS = 8,
    PR_CAPBSET_READ = 23,
    PR_CAPBSET_DROP = 24,
    PR_GET_SECUREBITS = 27,
    PR_SET_SECUREBITS = 28,
    PR_SET_NO_NEW_PRIVS = 38,
    PR_GET_NO_NEW_PRIVS = 39,
    PR_CAP_AMBIENT = 47,
    PR_CAP_AMBIENT_IS_SET = 1,
    PR_CAP_AMBIENT_RAISE = 2,
    PR_CAP_AMBIENT_LOWER = 3,
    PR_CAP_AMBIENT_CLEAR_ALL = 4,
};

/* capget and capset's header versions (linux/capability.h) */
#define CAP_VERSION_1 0x19980330u /* one 32-bit word per set */
#define CAP_VERSION_2 0x20071026u /* two, as version 3 */
#define CAP_VERSION_3 0x20080522u

struct rt_creds rt_cred;

/* What the rest of the runtime sees of the live credentials. */
static void apply(void)
{
    rt_uid = rt_cred.uid.eff;
    rt_gid = rt_cred.gid.eff;
    if (rt_vfs) {
        vfs_set_ids(rt_vfs, rt_cred.uid.fs, rt_cred.gid.fs);
        vfs_set_caps(rt_vfs, rt_cred.cap_eff);
    }
}

bool rt_capable(unsigned cap)
{
    return cap < 64 && (rt_cred.cap_eff & (1ull << cap));
}

/* One request (w0 op, w1..w3); the launcher's w0 (0, -errno or a value), with rt_cred
 * updated from its reply. words: the request's length (groups in words 4..). */
static long cred_call(uint64_t op, uint64_t a, uint64_t b, uint64_t c, unsigned words)
{
    struct cx_ipcbuf *buf = rt_ipcbuf();
    struct cx_ret r = cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_CRED, words, 0), op, a, b, c);
    if (r.err)
        return -EAGAIN; /* the launcher did not answer: nothing changed */
    /* the launcher is trusted, but its group count is still bounded by the array */
    uint64_t w[RT_CRED_WORDS - 1];
    w[0] = r.r10, w[1] = r.r8, w[2] = r.r9;
    memcpy(w + 3, buf->words + 4, sizeof(w) - 3 * 8);
    memcpy(&rt_cred, w, sizeof(rt_cred));
    if (rt_cred.ngroups > RT_CRED_GROUPS_MAX)
        rt_cred.ngroups = RT_CRED_GROUPS_MAX;
    apply();
    return (long)r.rdx;
}

void rt_creds_init(void)
{
    if (cred_call(RT_CRED_GET, 0, 0, 0, 1) < 0) { /* not from this launcher: the config's */
        memset(&rt_cred, 0, sizeof(rt_cred));
        rt_cred.uid.real = rt_cred.uid.eff = rt_cred.uid.saved = rt_cred.uid.fs = rt_uid;
        rt_cred.gid.real = rt_cred.gid.eff = rt_cred.gid.saved = rt_cred.gid.fs = rt_gid;
        rt_cred.cap_bnd = RT_CAP_ALL;
        rt_cred.cap_eff = rt_cred.cap_prm = rt_uid == 0 ? RT_CAP_ALL : 0;
        apply();
    }
}

static uint32_t exec_mode, exec_uid, exec_gid; /* the file rt_creds_exec_file saw last */

void rt_creds_exec_file(const struct linux_stat *st)
{
    exec_mode = st->st_mode, exec_uid = st->st_uid, exec_gid = st->st_gid;
}

bool rt_creds_exec(const char *const argv[])
{
    /* the launcher's table names the new command with the same call */
    unsigned more = rt_proc_exec_words(rt_ipcbuf()->words + 4, argv);
    cred_call(RT_CRED_EXEC, exec_mode, exec_uid, exec_gid, 4 + more);
    exec_mode = 0; /* used once */
    /* Linux's secureexec (since 5.8): the new program runs with effective ids other
     * than the real ones */
    return rt_cred.uid.eff != rt_cred.uid.real || rt_cred.gid.eff != rt_cred.gid.real;
}

long rt_creds_faccessat(int dirfd, const char *path, int mode, int flags)
{
    bool real = !(flags & AT_EACCESS);
    if (real) { /* Linux's access: the real ids, and as capabilities those a process of
                 * that uid has (the permitted set for uid 0, else none) */
        vfs_set_ids(rt_vfs, rt_cred.uid.real, rt_cred.gid.real);
        vfs_set_caps(rt_vfs, rt_cred.uid.real == 0 ? rt_cred.cap_prm : 0);
    }
    long r = vfs_faccessat(rt_vfs, dirfd, path, mode, flags);
    if (real)
        apply();
    return r;
}

void rt_creds_copy(struct rt_creds *to)
{
    *to = rt_cred;
}

void rt_creds_swap(struct rt_creds *save, const struct rt_creds *load)
{
    *save = rt_cred;
    rt_cred = *load;
    apply();
}

/* The real, effective and saved ids to user memory, as Linux's getresuid (each
 * pointer on its own). */
static long put_three(uint64_t p0, uint64_t p1, uint64_t p2, const struct rt_ids *ids)
{
    uint64_t p[3] = {p0, p1, p2};
    uint32_t v[3] = {ids->real, ids->eff, ids->saved};
    for (int i = 0; i < 3; i++) {
        if (!rt_user_write(p[i], 4))
            return -EFAULT;
        memcpy((void *)p[i], &v[i], 4);
    }
    return 0;
}

static long get_groups(long size, uint64_t list)
{
    int n = (int)size;
    if (n < 0)
        return -EINVAL;
    if (!n)
        return rt_cred.ngroups;
    if ((uint32_t)n < rt_cred.ngroups)
        return -EINVAL;
    if (rt_cred.ngroups && !rt_user_write(list, rt_cred.ngroups * 4ul))
        return -EFAULT;
    memcpy((void *)list, rt_cred.groups, rt_cred.ngroups * 4ul);
    return rt_cred.ngroups;
}

static long set_groups(long size, uint64_t list)
{
    int n = (int)size;
    if (n < 0 || n > RT_CRED_GROUPS_MAX) /* the launcher says EPERM or EINVAL */
        return cred_call(RT_CRED_SETGROUPS, (uint32_t)n, 0, 0, 2);
    if (n && !rt_user_read(list, (uint64_t)n * 4))
        return rt_cred.uid.eff ? -EPERM : -EFAULT;
    uint64_t *w = rt_ipcbuf()->words + 4;
    const uint32_t *g = (const uint32_t *)list;
    for (int i = 0; i < n; i += 2)
        w[i / 2] = g[i] | (i + 1 < n ? (uint64_t)g[i + 1] << 32 : 0);
    return cred_call(RT_CRED_SETGROUPS, (uint64_t)n, 0, 0, 4 + (unsigned)(n + 1) / 2);
}

/* The words of a capget/capset header's version: 1 or 2 (-EINVAL, with the version
 * written back as 3, for any other, as Linux's cap_validate_magic), or -EFAULT. */
static long cap_words(uint64_t hdr)
{
    if (!rt_user_read(hdr, 8))
        return -EFAULT;
    uint32_t *version = (uint32_t *)hdr;
    if (*version == CAP_VERSION_1)
        return 1;
    if (*version == CAP_VERSION_2 || *version == CAP_VERSION_3)
        return 2;
    if (!rt_user_write(hdr, 4))
        return -EFAULT;
    *version = CAP_VERSION_3;
    return -EINVAL;
}

/* capget: this process's sets (pid 0, its own or one of its threads') from rt_cred,
 * another's from the launcher; data NULL only asks for the version. */
static long cap_get(uint64_t hdr, uint64_t data)
{
    long n = cap_words(hdr);
    if (!data || n < 0)
        return !data && n == -EINVAL ? 0 : n;
    int32_t pid = ((const int32_t *)hdr)[1];
    if (pid < 0)
        return -EINVAL;
    uint64_t sets[3] = {rt_cred.cap_eff, rt_cred.cap_prm, rt_cred.cap_inh};
    if (!rt_sched_self((uint64_t)pid)) {
        struct cx_ret r = cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_CRED, 2, 0), RT_CRED_CAPGET,
                                          (uint64_t)pid, 0, 0);
        if (r.err)
            return -EAGAIN;
        if ((long)r.rdx < 0)
            return (long)r.rdx;
        sets[0] = r.r10, sets[1] = r.r8, sets[2] = r.r9;
    }
    if (!rt_user_write(data, (uint64_t)n * 12))
        return -EFAULT;
    uint32_t *d = (uint32_t *)data; /* per word: effective, permitted, inheritable */
    for (long i = 0; i < n; i++)
        for (int k = 0; k < 3; k++)
            d[i * 3 + k] = (uint32_t)(sets[k] >> (32 * i));
    return 0;
}

/* capset: only the caller's own sets (another pid is EPERM); a version 1 header sets
 * the low 32 capabilities and clears the others, as on Linux. */
static long cap_set(uint64_t hdr, uint64_t data)
{
    long n = cap_words(hdr);
    if (n < 0)
        return n;
    int32_t pid = ((const int32_t *)hdr)[1];
    if (pid != 0 && (uint64_t)pid != rt_pid())
        return -EPERM;
    if (!rt_user_read(data, (uint64_t)n * 12))
        return -EFAULT;
    const uint32_t *d = (const uint32_t *)data;
    uint64_t sets[3] = {0, 0, 0};
    for (long i = 0; i < n; i++)
        for (int k = 0; k < 3; k++)
            sets[k] |= (uint64_t)d[i * 3 + k] << (32 * i);
    return cred_call(RT_CRED_CAPSET, sets[0], sets[1], sets[2], 4);
}

long rt_creds_prctl(const uint64_t *a)
{
    switch (a[0]) {
    case PR_GET_KEEPCAPS:
        return (rt_cred.securebits >> 4) & 1;
    case PR_SET_KEEPCAPS:
        return a[1] > 1 ? -EINVAL : cred_call(RT_CRED_PRCTL, RT_CAPCTL_SET_KEEPCAPS, a[1], 0, 3);
    case PR_GET_SECUREBITS:
        return rt_cred.securebits;
    case PR_SET_SECUREBITS:
        return cred_call(RT_CRED_PRCTL, RT_CAPCTL_SET_SECUREBITS, a[1], 0, 3);
    case PR_SET_NO_NEW_PRIVS:
        if (a[1] != 1 || a[2] || a[3] || a[4])
            return -EINVAL;
        return cred_call(RT_CRED_PRCTL, RT_CAPCTL_SET_NNP, 0, 0, 3);
    case PR_GET_NO_NEW_PRIVS:
        if (a[1] || a[2] || a[3] || a[4])
            return -EINVAL;
        return rt_cred.no_new_privs ? 1 : 0;
    case PR_CAPBSET_READ:
        return a[1] > RT_CAP_LAST ? -EINVAL : (long)((rt_cred.cap_bnd >> a[1]) & 1);
    case PR_CAPBSET_DROP:
        return cred_call(RT_CRED_PRCTL, RT_CAPCTL_BSET_DROP, a[1], 0, 3);
    case PR_CAP_AMBIENT:
        if (a[1] == PR_CAP_AMBIENT_CLEAR_ALL)
            return a[2] || a[3] || a[4] ? -EINVAL
                                        : cred_call(RT_CRED_PRCTL, RT_CAPCTL_AMB_CLEAR, 0, 0, 3);
        if (a[2] > RT_CAP_LAST || a[3] || a[4])
            return -EINVAL;
        if (a[1] == PR_CAP_AMBIENT_IS_SET)
            return (long)((rt_cred.cap_amb >> a[2]) & 1);
        if (a[1] != PR_CAP_AMBIENT_RAISE && a[1] != PR_CAP_AMBIENT_LOWER)
            return -EINVAL;
        return cred_call(RT_CRED_PRCTL,
                         a[1] == PR_CAP_AMBIENT_RAISE ? RT_CAPCTL_AMB_RAISE : RT_CAPCTL_AMB_LOWER,
                         a[2], 0, 3);
    default:
        return RT_NOT_MINE;
    }
}

long rt_creds_syscall(const struct rt_call *c)
{
    const uint64_t *a = c->a;
    /* ids are 32-bit (Linux's uid_t): the upper half of a register is not looked at */
    uint64_t i0 = (uint32_t)a[0], i1 = (uint32_t)a[1], i2 = (uint32_t)a[2];
    switch (c->nr) {
    case NR_getuid:
        return rt_cred.uid.real;
    case NR_geteuid:
        return rt_cred.uid.eff;
    case NR_getgid:
        return rt_cred.gid.real;
    case NR_getegid:
        return rt_cred.gid.eff;
    case NR_getresuid:
        return put_three(a[0], a[1], a[2], &rt_cred.uid);
    case NR_getresgid:
        return put_three(a[0], a[1], a[2], &rt_cred.gid);
    case NR_getgroups:
        return get_groups((long)a[0], a[1]);
    case NR_setuid:
        return cred_call(RT_CRED_SETUID, i0, 0, 0, 2);
    case NR_setgid:
        return cred_call(RT_CRED_SETGID, i0, 0, 0, 2);
    case NR_setreuid:
        return cred_call(RT_CRED_SETREUID, i0, i1, 0, 3);
    case NR_setregid:
        return cred_call(RT_CRED_SETREGID, i0, i1, 0, 3);
    case NR_setresuid:
        return cred_call(RT_CRED_SETRESUID, i0, i1, i2, 4);
    case NR_setresgid:
        return cred_call(RT_CRED_SETRESGID, i0, i1, i2, 4);
    case NR_setfsuid:
    case NR_setfsgid: {
        uint32_t old = c->nr == NR_setfsuid ? rt_cred.uid.fs : rt_cred.gid.fs;
        long r = cred_call(c->nr == NR_setfsuid ? RT_CRED_SETFSUID : RT_CRED_SETFSGID, i0, 0, 0, 2);
        return r < 0 ? old : r; /* it returns the old id, never an error */
    }
    case NR_setgroups:
        return set_groups((long)a[0], a[1]);
    case NR_capget:
        return cap_get(a[0], a[1]);
    case NR_capset:
        return cap_set(a[0], a[1]);
    default:
        return RT_NOT_MINE;
    }
}

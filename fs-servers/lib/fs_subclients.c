/*
 * Sub-clients (docs/fs-protocol.md, "Sub-clients"; docs/sandboxes.md, "Credentials"): a
 * session's owner (the holder of the endpoint the server gave at SESSION_CREATE: in a
 * POSIX sandbox the launcher, which keeps it to itself) asks for one badged endpoint of
 * the same session per process, with that process's credentials, and changes them when
 * the process's change. Requests through a sub-client's endpoint are served with its
 * credentials checked (fs_server_handle_as); the owner's own are not. Every process of
 * the sandbox still shares the session's buffer, nodes and handles.
 *
 * Bounds: at most FS_MAX_SUBCLIENTS per session; each record is charged to the
 * session's quota (fs_session_charge, even when files have used it up: a full /tmp
 * must not make fork fail), given back when it is dropped or the session ends. A
 * sub-client's endpoint is the server's original: FS_CLIENT_DROP and the session's end
 * revoke it, so no copy (the launcher's, the process's) outlives it. A policy's
 * `ids=LO-HI` bounds the ids: an id outside becomes 65534 (nobody), and the
 * capabilities go unless uid 0 lies within the bound, so a sandbox cannot claim root
 * on a server it shares unless its policy says so.
 */
#include <fs_subclients.h>
#include <string.h>

#define SUB_CHARGE (sizeof(struct fs_sub) + 64) /* quota bytes per sub-client */
#define ID_OVERFLOW 65534u

static const char *sub_name; /* the server's name, for the log (fs_subs_set_env) */

static bool in_bound(const struct fs_subs *t, uint32_t id)
{
    return !t->bounded || (id >= t->lo && id <= t->hi);
}

/* Reads the credentials of an ADD or SETCREDS request into c: 0 or -EINVAL. */
static long read_cred(struct fs_subs *t, const char *label, const struct cx_msg *m,
                      struct vfs_cred *c)
{
    struct cx_ipcbuf *b = cx_ipcbuf();
    uint64_t nw = CX_TAG_WORDS(m->tag), n = nw > 4 ? b->words[4] : 0; /* a3 */
    if (n > FS_CRED_GROUPS || (n && nw < 6 + (n + 1) / 2))
        return -22;
    memset(c, 0, sizeof(*c));
    c->uid = (uint32_t)m->w[2]; /* a1 */
    c->gid = (uint32_t)(m->w[2] >> 32);
    c->caps = m->w[3]; /* a2 */
    for (uint64_t k = 0; k < n; k++) {
        uint32_t g = (uint32_t)(b->words[6 + k / 2] >> (k % 2 ? 32 : 0));
        if (in_bound(t, g))
            c->groups[c->ngroups++] = g;
    }
    if (!t->bounded)
        return 0;
    bool clamp = !in_bound(t, c->uid) || !in_bound(t, c->gid) || c->ngroups != n;
    if (!in_bound(t, c->uid))
        c->uid = ID_OVERFLOW;
    if (!in_bound(t, c->gid))
        c->gid = ID_OVERFLOW;
    if (!in_bound(t, 0) && c->caps) {
        c->caps = 0;
        clamp = true;
    }
    if (clamp && !t->clamped_logged) {
        t->clamped_logged = true;
        cx_printf("%s: session '%s': ids beyond its policy's ids=%u-%u are %u, and capabilities "
                  "are not honoured\n",
                  sub_name, label, t->lo, t->hi, ID_OVERFLOW);
    }
    return 0;
}

struct fs_sub *fs_subs_get(struct fs_subs *t, uint64_t k)
{
    return k >= 1 && k <= FS_MAX_SUBCLIENTS ? t->sub[k - 1] : NULL;
}

static void sub_end(struct fs_subs *t, unsigned k, struct fs_session *ss, const struct vfs_env *env)
{
    struct fs_sub *s = t->sub[k];
    if (!s)
        return;
    cx_cap_revoke(s->ep);
    cx_cap_delete(s->ep);
    cx_slot_free(s->ep);
    fs_session_credit(ss, SUB_CHARGE);
    env->free(env->ctx, s, sizeof(*s));
    t->sub[k] = NULL;
}

static const struct vfs_env *sub_env; /* the server's allocator (fs_subs_set_env) */

void fs_subs_set_env(const struct vfs_env *env, const char *name)
{
    sub_env = env;
    sub_name = name;
}

void fs_subs_request(struct fs_subs *t, unsigned i, struct fs_session *ss, uint64_t ep,
                     const char *label, struct cx_msg *m)
{
    struct cx_ipcbuf *b = cx_ipcbuf();
    struct vfs_cred c;
    long r = 0;
    uint64_t op = m->w[0];
    struct fs_sub *s = op == FS_CLIENT_ADD ? NULL : fs_subs_get(t, m->w[1]);
    unsigned k = 0;
    m->tag = CX_TAG(0, 1, 0);
    if (op != FS_CLIENT_ADD && !s) {
        r = -9; /* EBADF */
    } else if (op == FS_CLIENT_DROP) {
        sub_end(t, (unsigned)(m->w[1] - 1), ss, sub_env);
    } else if ((r = read_cred(t, label, m, &c)) == 0 && op == FS_SETCREDS) {
        s->cred = c;
    } else if (r == 0) { /* FS_CLIENT_ADD */
        while (k < FS_MAX_SUBCLIENTS && t->sub[k])
            k++;
        if (!m->w[1] || m->w[1] > 0x7fffffffu)
            r = -22;
        else if (k == FS_MAX_SUBCLIENTS)
            r = -28; /* ENOSPC */
        else if (!(s = sub_env->alloc(sub_env->ctx, sizeof(*s))))
            r = -12;
        else {
            fs_session_charge(ss, SUB_CHARGE);
            s->ep = cx_slot_alloc();
            s->pid = (uint32_t)m->w[1];
            s->cred = c;
            t->sub[k] = s;
            if (!s->ep || cx_cap_copy(ep, CX_SLOT_SELF_PD, s->ep, CX_R_WRITE, FS_SUB_BADGE(i, k))) {
                if (s->ep)
                    cx_slot_free(s->ep);
                s->ep = 0;
                fs_session_credit(ss, SUB_CHARGE);
                sub_env->free(sub_env->ctx, s, sizeof(*s));
                t->sub[k] = NULL;
                r = -12;
            } else {
                m->tag = CX_TAG(0, 1, 1);
                b->send_caps[0] = s->ep;
                r = k + 1;
            }
        }
    }
    m->w[0] = (uint64_t)r;
}

void fs_subs_free(struct fs_subs *t, struct fs_session *ss)
{
    for (unsigned k = 0; k < FS_MAX_SUBCLIENTS; k++)
        sub_end(t, k, ss, sub_env);
}

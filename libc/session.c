/*
 * Sessions of this process (docs/sessions.md): the VFS's `fs` plugin asks for a
 * File_system session through vfs_env.session. The launcher opens it (routed by init to
 * the provider the config names) and keeps it as an object shared with fork children;
 * the process gets the session's endpoint and its shared buffer (struct fs_buf), mapped
 * at the same address in every holder. A request is an IPC call with the operation and
 * five words; the answer is five words (fs_protocol.h), in registers when the words
 * beyond the fourth are 0.
 */
#include <capix/fs_protocol.h>
#include <string.h>
#include "runtime.h"

#define SESSION_DONATION (32ul << 20) /* quota given to the server per session */
#define SESSION_WAIT_NS 5000000000ull /* how long to wait for a provider to announce */
#define SESSION_RETRY_NS 10000000ull

struct session {
    uint64_t id, slot_ep, slot_mem;
    char service[CX_SESSION_SERVICE_WORDS * 8], label[CX_SESSION_LABEL_WORDS * 8];
    bool gone; /* taken away by the launcher (docs/sandboxes.md): never used again */
};

static struct session sessions[RT_MAX_SESSIONS];

_Static_assert(1 + FS_MAP_MORE <= CX_MSG_CAPS, "an FS_MAP answer's objects fit one reply");

static int fs_call(void *ctx, struct fs_msg *msg)
{
    struct session *s = ctx;
    struct cx_ipcbuf *b = rt_ipcbuf();
    uint64_t slot = 0, extra[FS_MAP_MORE] = {0};
    unsigned nextra = 0;
    if (msg->op == FS_MAP) { /* the answer carries the memory objects' capabilities */
        slot = rt_slot_alloc();
        if (!slot) { /* no slot left for it: this request fails, the session lives on */
            msg->r[0] = -ENOMEM;
            return 0;
        }
        for (; nextra < msg->a[3] && nextra < FS_MAP_MORE; nextra++)
            if (!(extra[nextra] = rt_slot_alloc()))
                break; /* fewer further ones asked for */
        msg->a[3] = nextra;
    }
    /* a3 and a4 go in the IPC buffer only when one is not 0: a message of four words
     * stays in registers, and the kernel does not touch either side's buffer */
    unsigned words = 4;
    b->recv_slots[0] = slot;
    for (unsigned i = 0; i < FS_MAP_MORE; i++)
        b->recv_slots[1 + i] = extra[i];
    if (msg->a[3] || msg->a[4]) {
        b->words[4] = msg->a[3];
        b->words[5] = msg->a[4];
        words = 6;
    }
    struct cx_ret r = cx_raw_ipc_call(s->slot_ep, CX_TAG(FS_LABEL_REQUEST, words, 0), msg->op,
                                      msg->a[0], msg->a[1], msg->a[2]);
    b->recv_slots[0] = 0;
    for (unsigned i = 0; i < FS_MAP_MORE; i++)
        b->recv_slots[1 + i] = 0;
    if (r.err) {
        if (slot)
            rt_slot_free(slot);
        for (unsigned i = 0; i < nextra; i++)
            rt_slot_free(extra[i]);
        return -EIO; /* the server is gone */
    }
    msg->r[0] = (int64_t)r.rdx;
    msg->r[1] = (int64_t)r.r10;
    msg->r[2] = (int64_t)r.r8;
    msg->r[3] = (int64_t)r.r9;
    msg->r[4] = CX_TAG_WORDS(r.rsi) > 4 ? (int64_t)b->words[4] : 0;
    if (slot) { /* FS_MAP: r3 is the slot the first capability came in, more[] the rest */
        unsigned caps = CX_TAG_CAPS(r.rsi);
        bool ok = msg->r[0] >= 0 && (uint64_t)msg->r[0] <= nextra && caps == 1 + msg->r[0];
        for (unsigned i = 0; i < nextra; i++) {
            if (ok && i < (uint64_t)msg->r[0]) {
                msg->more[i] = extra[i];
                continue;
            }
            if (i + 1 < caps)
                cx_cap_delete(extra[i]);
            rt_slot_free(extra[i]);
        }
        if (ok) {
            msg->r[3] = (int64_t)slot;
        } else {
            cx_cap_delete(slot);
            rt_slot_free(slot);
            if (msg->r[0] >= 0)
                msg->r[0] = -EIO;
        }
    }
    return 0;
}

/* Another process of the sandbox holds the session's buffer: let it (and the server)
 * run. */
static void fs_yield(void *ctx)
{
    cx_yield();
}

/* The buffer lock's tag: this process (a fork child has its own pid in rt). */
static int32_t fs_owner(void *ctx)
{
    return (int32_t)rt->pid;
}

/*
 * Views (vfs-plugins/fs): pages of a file's memory object mapped read-only in
 * RT_VIEWS_BASE's window, RT_VIEWS_SIZE bytes handed out in runs aligned to their size
 * (a chunk's pages: a power of two) from a bitmap: small runs from the bottom, large
 * ones (VIEW_LARGE pages and more) from the top, so that the small views of many files
 * do not leave a large chunk of one (32 MiB, at one of two places) without room. They are left out
 * of a fork child (CX_MAP_DROP: its copy of the address space costs nothing for them), whose plugin
 * forgets them: the window's bits and the slot numbers are free again in the child (the
 * capabilities were never in its capability space).
 */
#define VIEW_PAGES (RT_VIEWS_SIZE / CX_PAGE_SIZE)
static uint64_t view_used[VIEW_PAGES / 64];

/* The bits of a run within one word (runs are aligned to their size, a power of two:
 * one of up to 64 pages sits in one word, a longer one covers whole words). */
static uint64_t run_bits(uint64_t first, uint64_t n)
{
    return (n >= 64 ? ~0ul : (1ul << n) - 1) << (first % 64);
}

static bool view_free_run(uint64_t first, uint64_t n)
{
    for (uint64_t p = first; p < first + n; p += 64)
        if (view_used[p / 64] & run_bits(p, n))
            return false;
    return true;
}

static void view_mark(uint64_t first, uint64_t n, bool used)
{
    for (uint64_t p = first; p < first + n; p += 64) {
        if (used)
            view_used[p / 64] |= run_bits(p, n);
        else
            view_used[p / 64] &= ~run_bits(p, n);
    }
}

#define VIEW_LARGE 512

static void *view_map(uint64_t mem, uint64_t pages, uint64_t access)
{
    if (!pages || pages > VIEW_PAGES || (pages & (pages - 1)))
        return NULL;
    uint64_t top = (VIEW_PAGES / pages - 1) * pages, n = VIEW_PAGES / pages;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t first = pages >= VIEW_LARGE ? top - i * pages : i * pages;
        if (!view_free_run(first, pages))
            continue;
        uint64_t va = RT_VIEWS_BASE + first * CX_PAGE_SIZE;
        if (cx_map(rt->slot_pd, mem, 0, va, pages, access | CX_MAP_DROP))
            return NULL;
        view_mark(first, pages, true);
        return (void *)va;
    }
    return NULL;
}

static const void *fs_view(void *ctx, uint64_t mem, uint64_t pages)
{
    return view_map(mem, pages, CX_MAP_R);
}

/* A writable view (the fs plugin's pwrite into a file's pages). */
static void *fs_view_rw(void *ctx, uint64_t mem, uint64_t pages)
{
    return view_map(mem, pages, CX_MAP_R | CX_MAP_W);
}

static void fs_unview(void *ctx, uint64_t mem, const void *at, uint64_t pages)
{
    uint64_t va = (uint64_t)at;
    if (at && va >= RT_VIEWS_BASE && va + pages * CX_PAGE_SIZE <= RT_VIEWS_BASE + RT_VIEWS_SIZE) {
        cx_unmap(rt->slot_pd, va, pages);
        view_mark((va - RT_VIEWS_BASE) / CX_PAGE_SIZE, pages, false);
    }
    if (mem) {
        cx_cap_delete(mem);
        rt_slot_free(mem);
    }
}

static void fs_forget(void *ctx, uint64_t mem, const void *at, uint64_t pages)
{
    uint64_t va = (uint64_t)at;
    if (at && va >= RT_VIEWS_BASE && va + pages * CX_PAGE_SIZE <= RT_VIEWS_BASE + RT_VIEWS_SIZE)
        view_mark((va - RT_VIEWS_BASE) / CX_PAGE_SIZE, pages, false);
    if (mem)
        rt_slot_free(mem);
}

static void fill(struct session *s, struct fs_transport *out)
{
    out->ctx = s;
    out->view = fs_view;
    out->view_rw = fs_view_rw;
    out->unview = fs_unview;
    out->forget = fs_forget;
    out->buf = (struct fs_buf *)(RT_SESSIONS_BASE +
                                 (uint64_t)(s - sessions) * FS_BUF_PAGES * CX_PAGE_SIZE);
    out->call = fs_call;
    out->yield = fs_yield;
    out->owner = fs_owner;
}

static struct session *find(const char *service, const char *label)
{
    for (unsigned i = 0; i < RT_MAX_SESSIONS; i++)
        if (sessions[i].id && !sessions[i].gone && !strcmp(sessions[i].service, service) &&
            !strcmp(sessions[i].label, label))
            return &sessions[i];
    return NULL;
}

int rt_session_open(const char *service, const char *label, uint64_t quota,
                    struct fs_transport *out)
{
    enum { SW = CX_SESSION_SERVICE_WORDS, W = SW + CX_SESSION_LABEL_WORDS };
    size_t sl = strlen(service), ll = strlen(label);
    if (sl >= SW * 8 || ll >= CX_SESSION_LABEL_WORDS * 8)
        return -ENAMETOOLONG;
    /* a second mount of the same label (a program's own tree) shares the session */
    struct session *s = find(service, label);
    if (s) {
        fill(s, out);
        return 0;
    }
    unsigned i = 0;
    while (i < RT_MAX_SESSIONS && sessions[i].id)
        i++;
    if (i == RT_MAX_SESSIONS)
        return -EMFILE;
    s = &sessions[i];
    s->slot_ep = rt_slot_alloc();
    s->slot_mem = rt_slot_alloc();
    if (!s->slot_ep || !s->slot_mem)
        return -ENOMEM;
    struct cx_ipcbuf *b = rt_ipcbuf();
    uint64_t words[W];
    memset(words, 0, sizeof(words));
    memcpy(words, service, sl);
    memcpy((char *)words + SW * 8, label, ll);
    long id;
    /* a provider started beside us may not have announced yet (EAGAIN): wait for it, up
     * to SESSION_WAIT_NS (a server that reads a large tar archive first takes a while) */
    for (uint64_t waited = 0;; waited += SESSION_RETRY_NS) {
        memcpy(b->words + 4, words + 4, (W - 4) * 8);
        b->words[W] = quota ? quota : SESSION_DONATION;
        b->words[W + 1] = s->slot_ep;
        b->words[W + 2] = s->slot_mem;
        struct cx_ret r = cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_SESSION, W + 3, 0), words[0],
                                          words[1], words[2], words[3]);
        id = r.err ? -EIO : (long)r.rdx;
        if (id != -EAGAIN || waited >= SESSION_WAIT_NS || rt_sleep_ns(SESSION_RETRY_NS) < 0)
            break;
    }
    uint64_t va = RT_SESSIONS_BASE + i * FS_BUF_PAGES * CX_PAGE_SIZE;
    if (id > 0 &&
        cx_map(rt->slot_pd, s->slot_mem, 0, va, FS_BUF_PAGES, CX_MAP_R | CX_MAP_W | CX_MAP_SHARE)) {
        cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_SHARED_DROP, 1, 0), (uint64_t)id, 0, 0, 0);
        id = -ENOMEM;
    }
    if (id <= 0) {
        rt_slot_free(s->slot_ep);
        rt_slot_free(s->slot_mem);
        return id < 0 ? (int)id : -EIO;
    }
    s->id = (uint64_t)id;
    memcpy(s->service, service, sl + 1);
    memcpy(s->label, label, ll + 1);
    fill(s, out);
    return 0;
}

uint64_t rt_session_id_of(const void *ctx)
{
    for (unsigned i = 0; i < RT_MAX_SESSIONS; i++)
        if (ctx == &sessions[i] && !sessions[i].gone)
            return sessions[i].id;
    return 0;
}

const void *rt_session_of_id(uint64_t id)
{
    for (unsigned i = 0; id && i < RT_MAX_SESSIONS; i++)
        if (sessions[i].id == id && !sessions[i].gone)
            return &sessions[i];
    return NULL;
}

void rt_session_fs_drop(const void *ctx, uint64_t handle, uint64_t node)
{
    struct session *s = (struct session *)ctx;
    struct fs_msg m = {.op = FS_CLOSE, .a = {handle}};
    if (!rt_session_id_of(ctx))
        return;
    if (handle) /* a directory has none */
        fs_call(s, &m);
    m = (struct fs_msg){.op = FS_RELEASE, .a = {node}};
    fs_call(s, &m);
}

void rt_sessions_after_narrow(void)
{
    for (unsigned i = 0; i < RT_MAX_SESSIONS; i++) {
        struct session *s = &sessions[i];
        if (!s->id || s->gone)
            continue;
        uint64_t va = RT_SESSIONS_BASE + i * FS_BUF_PAGES * CX_PAGE_SIZE;
        if (!cx_raw_cap_info(s->slot_mem, 0, 0, 0, 0, 0).err &&
            !cx_map(rt->slot_pd, s->slot_mem, 0, va, FS_BUF_PAGES,
                    CX_MAP_R | CX_MAP_W | CX_MAP_SHARE))
            continue;
        s->gone = true; /* its mounts fail with EIO from now on */
        rt_slot_free(s->slot_ep);
        rt_slot_free(s->slot_mem);
        s->slot_ep = s->slot_mem = 0;
    }
}
